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
    public async Task<MatchSubmissionOutcome> SubmitAsync(SubmitMatchRequest request, CancellationToken cancellationToken) =>
        (await SubmitManyAsync([request], cancellationToken))[0];

    /// <summary>
    /// Submits several matches at once, each with its own outcome (in order): the players of all of them are
    /// looked up together, then the valid matches are stored together (<see cref="MatchRepository.AddManyAsync"/>).
    /// A data store error fails the call.
    /// </summary>
    public async Task<IReadOnlyList<MatchSubmissionOutcome>> SubmitManyAsync(IReadOnlyList<SubmitMatchRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var outcomes = new MatchSubmissionOutcome[requests.Count];
        var valid = new List<int>();
        for (var index = 0; index < requests.Count; index++)
        {
            var errors = requests[index].Validate();
            if (errors.Count > 0)
            {
                outcomes[index] = new MatchSubmissionOutcome.Invalid(errors);
            }
            else
            {
                valid.Add(index);
            }
        }
        var playerIds = valid.SelectMany(index => requests[index].Results!.Select(result => result!.PlayerId!)).Distinct(StringComparer.Ordinal).ToList();
        var known = playerIds.Count == 0 ? new Dictionary<string, Player>() : await players.GetManyAsync(playerIds, cancellationToken);
        var storable = new List<(int Index, Match Match)>();
        foreach (var index in valid)
        {
            var results = requests[index].Results!.Select(result => result!).ToList();
            var unknown = results.Select(result => result.PlayerId!).Where(id => !known.ContainsKey(id)).ToList();
            if (unknown.Count > 0)
            {
                outcomes[index] = new MatchSubmissionOutcome.UnknownPlayers(unknown);
            }
            else
            {
                storable.Add((index, ToMatch(requests[index], results, known)));
            }
        }
        var answers = await matches.AddManyAsync([.. storable.Select(entry => entry.Match)], cancellationToken);
        for (var entry = 0; entry < storable.Count; entry++)
        {
            var (index, match) = storable[entry];
            var (created, stored) = answers[entry];
            outcomes[index] = created ? new MatchSubmissionOutcome.Stored(stored)
                : stored.RequestHash == match.RequestHash ? new MatchSubmissionOutcome.AlreadyStored(stored)
                : new MatchSubmissionOutcome.Conflict(match.MatchId);
        }
        return outcomes;
    }

    private Match ToMatch(SubmitMatchRequest request, List<MatchResultRequest> results, IReadOnlyDictionary<string, Player> known) =>
        new(
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

    private static Outcome ParseOutcome(string? value) =>
        Rules.TryParseOutcome(value, out var outcome) ? outcome : throw new ArgumentException($"Unvalidated outcome '{value}'.", nameof(value));
}
