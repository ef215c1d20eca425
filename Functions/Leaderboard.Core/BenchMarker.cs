namespace Leaderboard.Core;

/// <summary>The benchmark's marker.</summary>
public static class BenchMarker
{
    public static readonly string Value = "start";
}
