using System.Globalization;

namespace Leaderboard.Core;

/// <summary>Every key and key attribute of the single table, built in one place.</summary>
public static class Keys
{
    public const string PartitionKey = "PK";
    public const string SortKey = "SK";
    public const string StandingsIndex = "GSI1";
    public const string StandingsPartitionKey = "GSI1PK";
    public const string StandingsSortKey = "GSI1SK";

    public const string ProfileSort = "PROFILE";
    public const string MatchSort = "MATCH";

    /// <summary>The largest point total a standing can encode; standings sort by its complement.</summary>
    public const long MaxPoints = 9_999_999_999_999_999;

    public static string Player(string playerId) => "PLAYER#" + playerId;

    public static string BoardStats(string boardId) => "BOARD#" + boardId;

    public static string Match(string matchId) => "MATCH#" + matchId;

    public static string Applied(string playerId) => "APPLIED#" + playerId;

    /// <summary>A board's live subscriptions (partition) or a connection's subscription to it (sort key).</summary>
    public static string LiveBoard(string boardId) => "LIVE#" + boardId;

    /// <summary>A WebSocket connection's subscriptions (partition) or a board's subscriber (sort key).</summary>
    public static string Connection(string connectionId) => "CONN#" + connectionId;

    public static string BoardShard(string boardId, int shard) =>
        string.Create(CultureInfo.InvariantCulture, $"BOARD#{boardId}#{shard:D2}");

    /// <summary>The shard of a board that holds a player's standing: a stable hash of the player id.</summary>
    public static int ShardOf(string playerId, int shardCount)
    {
        uint hash = 2166136261;
        foreach (var character in playerId)
        {
            hash = (hash ^ character) * 16777619;
        }
        return (int)(hash % (uint)shardCount);
    }

    /// <summary>
    /// The standing sort key: ascending order is points descending, then player id ascending
    /// (ordinal, as DynamoDB compares strings).
    /// </summary>
    public static string Standing(long points, string playerId) => PointsPrefix(points) + playerId;

    /// <summary>The prefix every standing with exactly <paramref name="points"/> starts with.</summary>
    public static string PointsPrefix(long points)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(points);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(points, MaxPoints);
        return string.Create(CultureInfo.InvariantCulture, $"{MaxPoints - points:D16}#");
    }
}
