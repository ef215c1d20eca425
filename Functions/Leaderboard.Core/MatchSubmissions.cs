namespace Leaderboard.Core;

/// <summary>What became of a submitted match.</summary>
public abstract record MatchSubmissionOutcome
{
    private MatchSubmissionOutcome()
    {
    }

    /// <summary>The submission breaks the rules; the errors by field.</summary>
    public sealed record Invalid(Dictionary<string, string[]> Errors) : MatchSubmissionOutcome;

    /// <summary>Some of its players do not exist.</summary>
    public sealed record UnknownPlayers(IReadOnlyList<string> PlayerIds) : MatchSubmissionOutcome;

    /// <summary>Stored by this submission.</summary>
    public sealed record Stored(Match Match) : MatchSubmissionOutcome;

    /// <summary>The same submission was stored before; nothing changed.</summary>
    public sealed record AlreadyStored(Match Match) : MatchSubmissionOutcome;

    /// <summary>The match id was stored before with a different body; nothing changed.</summary>
    public sealed record Conflict(string MatchId) : MatchSubmissionOutcome;
}

/// <summary>
/// Accepts match results the one way both intakes share (<c>POST /matches</c> and the <c>match-intake</c>
/// queue): validated by <see cref="SubmitMatchRequest.Validate"/>, players known, and stored at most once
/// per match id, the first submission winning.
/// </summary>
public sealed class MatchSubmissions(PlayerRepository players, MatchRepository matches, TimeProvider clock)
{
    public async Task<MatchSubmissionOutcome> SubmitAsync(SubmitMatchRequest request, CancellationToken cancellationToken)
    {
        var errors = request.Validate();
        if (errors.Count > 0)
        {
            return new MatchSubmissionOutcome.Invalid(errors);
        }
        var results = request.Results!.Select(result => result!).ToList();
        var known = await players.GetManyAsync(results.Select(result => result.PlayerId!).ToList(), cancellationToken);
        var unknown = results.Select(result => result.PlayerId!).Where(id => !known.ContainsKey(id)).ToList();
        if (unknown.Count > 0)
        {
            return new MatchSubmissionOutcome.UnknownPlayers(unknown);
        }
        var match = new Match(
            request.MatchId!,
            request.BoardId!,
            request.PlayedAt ?? clock.GetUtcNow(),
            results.Select(result => new MatchResult(
                result.PlayerId!,
                known[result.PlayerId!].DisplayName,
                result.Score!.Value,
                ParseOutcome(result.Outcome))).ToList(),
            request.ComputeHash(),
            Processed: false);
        var (created, stored) = await matches.AddAsync(match, cancellationToken);
        return created ? new MatchSubmissionOutcome.Stored(stored)
            : stored.RequestHash == match.RequestHash ? new MatchSubmissionOutcome.AlreadyStored(stored)
            : new MatchSubmissionOutcome.Conflict(match.MatchId);
    }

    private static Outcome ParseOutcome(string? value) =>
        Rules.TryParseOutcome(value, out var outcome) ? outcome : throw new ArgumentException($"Unvalidated outcome '{value}'.", nameof(value));
}
