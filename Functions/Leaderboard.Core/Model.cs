namespace Leaderboard.Core;

/// <summary>How a player's match ended.</summary>
public enum Outcome
{
    Win,
    Loss,
    Draw,
}

/// <summary>A registered player.</summary>
public sealed record Player(string PlayerId, string DisplayName, string? Region, DateTimeOffset CreatedAt);

/// <summary>A player's running totals on one board.</summary>
public sealed record BoardStats(
    string BoardId,
    string PlayerId,
    string DisplayName,
    long Points,
    int Wins,
    int Losses,
    int Draws,
    int Matches)
{
    /// <summary>These totals with one more match result added.</summary>
    public BoardStats Add(MatchResult result) => this with
    {
        DisplayName = result.DisplayName,
        Points = Points + result.Score,
        Wins = Wins + (result.Outcome == Outcome.Win ? 1 : 0),
        Losses = Losses + (result.Outcome == Outcome.Loss ? 1 : 0),
        Draws = Draws + (result.Outcome == Outcome.Draw ? 1 : 0),
        Matches = Matches + 1,
    };

    public static BoardStats Empty(string boardId, string playerId, string displayName) =>
        new(boardId, playerId, displayName, 0, 0, 0, 0, 0);
}

/// <summary>One participant's result in a match; the display name is the one at submission.</summary>
public sealed record MatchResult(string PlayerId, string DisplayName, long Score, Outcome Outcome);

/// <summary>An accepted match.</summary>
public sealed record Match(
    string MatchId,
    string BoardId,
    DateTimeOffset PlayedAt,
    IReadOnlyList<MatchResult> Results,
    string RequestHash,
    bool Processed);

/// <summary>A player's place on a board.</summary>
public sealed record Standing(long Rank, string PlayerId, string DisplayName, long Points, int Wins, int Matches);
