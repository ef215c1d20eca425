using System.Text.RegularExpressions;

namespace Leaderboard.Core;

/// <summary>The domain's input rules, shared by the API and the stream processor.</summary>
public static partial class Rules
{
    public const int MaxDisplayNameLength = 32;
    public const int MinPlayersPerMatch = 2;
    public const int MaxPlayersPerMatch = 100;
    public const long MaxScore = 1_000_000;
    public const int MaxLeaderboardLimit = 100;
    public const int DefaultLeaderboardLimit = 10;
    public const int MaxAround = 10;

    /// <summary>Match, board, player and region ids: 1–64 of letters, digits, '_' and '-'.</summary>
    public static bool IsValidId(string? value) => value is not null && IdPattern().IsMatch(value);

    /// <summary>
    /// Trims a display name and checks it is 1–32 characters with no control characters.
    /// Returns the error message, or null when the name is valid.
    /// </summary>
    public static string? CheckDisplayName(string? value, out string normalized)
    {
        normalized = value?.Trim() ?? "";
        if (normalized.Length == 0)
        {
            return "The display name is required and must not be blank.";
        }
        if (normalized.Length > MaxDisplayNameLength)
        {
            return $"The display name must be at most {MaxDisplayNameLength} characters after trimming.";
        }
        return normalized.Any(char.IsControl) ? "The display name must not contain control characters." : null;
    }

    /// <summary>Parses an outcome as the API spells it: <c>win</c>, <c>loss</c> or <c>draw</c>.</summary>
    public static bool TryParseOutcome(string? value, out Outcome outcome)
    {
        (var known, outcome) = value switch
        {
            "win" => (true, Outcome.Win),
            "loss" => (true, Outcome.Loss),
            "draw" => (true, Outcome.Draw),
            _ => (false, default),
        };
        return known;
    }

    /// <summary>The API's spelling of an outcome.</summary>
    public static string Format(Outcome outcome) => outcome switch
    {
        Outcome.Win => "win",
        Outcome.Loss => "loss",
        _ => "draw",
    };

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex IdPattern();
}
