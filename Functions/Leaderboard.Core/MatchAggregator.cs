using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;

namespace Leaderboard.Core;

/// <summary>
/// Adds accepted matches to the players' board totals — exactly once per (match, player), however
/// often the same stream records arrive and wherever an earlier attempt stopped.
/// </summary>
public sealed partial class MatchAggregator(
    StandingsRepository standings, MatchRepository matches, ILogger<MatchAggregator> logger)
{
    private const int MaxAttemptsPerResult = 20;
    private const int MaxParallelResults = 8;

    /// <summary>DynamoDB's limit on the items of one transaction.</summary>
    private const int MaxTransactionItems = 100;

    /// <summary>True when a stream image (new image) is an accepted match this service applies.</summary>
    public static bool IsMatch(IReadOnlyDictionary<string, AttributeValue> image) => ItemMapper.IsMatch(image);

    /// <summary>Reads a match from a stream image or item.</summary>
    public static Match ReadMatch(IReadOnlyDictionary<string, AttributeValue> image) => ItemMapper.ToMatch(image);

    /// <summary>
    /// Applies every result of the match and marks it processed: at once (one read of the players'
    /// totals, one transaction of the totals and the mark) where it can, else result by result (each with
    /// its marker), then the mark.
    /// </summary>
    public async Task ApplyAsync(Match match, CancellationToken cancellationToken)
    {
        if (await TryApplyAtOnceAsync(match, cancellationToken))
        {
            return;
        }
        var options = new ParallelOptions { MaxDegreeOfParallelism = MaxParallelResults, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(match.Results, options, async (result, token) =>
            await ApplyResultAsync(match, result, token));
        await matches.MarkProcessedAsync(match.MatchId, cancellationToken);
    }

    /// <summary>
    /// The matches' indexes in waves: each match joins the first wave after the last one that holds one
    /// of its players' totals on its board, so no two matches of a wave touch the same totals and a
    /// player's matches keep their stream order.
    /// </summary>
    public static List<List<int>> Waves(IReadOnlyList<Match> matches)
    {
        var waves = new List<List<int>>();
        var lastWaveOf = new Dictionary<(string Board, string Player), int>();
        for (var index = 0; index < matches.Count; index++)
        {
            var match = matches[index];
            var wave = 0;
            foreach (var result in match.Results)
            {
                if (lastWaveOf.TryGetValue((match.BoardId, result.PlayerId), out var last))
                {
                    wave = Math.Max(wave, last + 1);
                }
            }
            if (wave == waves.Count)
            {
                waves.Add([]);
            }
            waves[wave].Add(index);
            foreach (var result in match.Results)
            {
                lastWaveOf[(match.BoardId, result.PlayerId)] = wave;
            }
        }
        return waves;
    }

    /// <summary>
    /// Applies a wave of matches (no two hold the same player's totals on a board: <see cref="Waves"/>) in
    /// one read of every player's totals and as few transactions as fit them, each match whole. Returns the
    /// matches applied; the others (a match that an earlier attempt applied in part, a transaction that met
    /// anything, or a data store error) are left for <see cref="ApplyAsync"/>, one by one.
    /// </summary>
    public async Task<IReadOnlySet<Match>> ApplyTogetherAsync(IReadOnlyList<Match> wave, CancellationToken cancellationToken)
    {
        var applied = new HashSet<Match>();
        var eligible = wave.Where(FitsOneTransaction).ToList();
        if (eligible.Count < 2)
        {
            return applied;
        }
        try
        {
            var current = await standings.GetApplyStateAsync([.. eligible.SelectMany(ResultKeys)], cancellationToken);
            eligible.RemoveAll(match => AppliedInPart(match, current));
            var chunks = new List<List<Match>>();
            var items = MaxTransactionItems;
            foreach (var match in eligible)
            {
                if (items + TransactionItems(match) > MaxTransactionItems)
                {
                    chunks.Add([]);
                    items = 0;
                }
                chunks[^1].Add(match);
                items += TransactionItems(match);
            }
            foreach (var chunk in chunks)
            {
                if (await standings.ApplyMatchesAsync([.. chunk.Select(match => Totals(match, current.Totals))], cancellationToken) == ApplyOutcome.Applied)
                {
                    applied.UnionWith(chunk);
                }
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogTogetherFailed(exception, eligible.Count - applied.Count);
        }
        return applied;
    }

    /// <summary>
    /// Applies the whole match in one transaction (every result and the processed mark) after one read of the
    /// players' totals, again while the totals move on meanwhile. False when it cannot: a player twice, too
    /// many results for one transaction, a result that an earlier attempt applied on its own, a match
    /// processed before, or conflicts on every attempt; the result-by-result path then completes the match
    /// (and does nothing to a processed one).
    /// </summary>
    private async Task<bool> TryApplyAtOnceAsync(Match match, CancellationToken cancellationToken)
    {
        if (!FitsOneTransaction(match))
        {
            return false;
        }
        for (var attempt = 1; attempt <= MaxAttemptsPerResult; attempt++)
        {
            var current = await standings.GetApplyStateAsync([.. ResultKeys(match)], cancellationToken);
            if (AppliedInPart(match, current))
            {
                return false;
            }
            switch (await standings.ApplyMatchesAsync([Totals(match, current.Totals)], cancellationToken))
            {
                case ApplyOutcome.Applied:
                    return true;
                case ApplyOutcome.AlreadyApplied:
                    return false;
            }
            LogMatchConflict(match.MatchId, attempt);
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * attempt)), cancellationToken);
        }
        return false;
    }

    /// <summary>True when the match can go in one transaction: each player once, and at most 100 items.</summary>
    private static bool FitsOneTransaction(Match match) =>
        match.Results.Select(result => result.PlayerId).Distinct(StringComparer.Ordinal).Count() == match.Results.Count
        && TransactionItems(match) <= MaxTransactionItems;

    /// <summary>A match's items in a transaction: the totals per result, and the processed mark.</summary>
    private static int TransactionItems(Match match) => match.Results.Count + 1;

    private static IEnumerable<(string MatchId, string BoardId, string PlayerId)> ResultKeys(Match match) =>
        match.Results.Select(result => (match.MatchId, match.BoardId, result.PlayerId));

    /// <summary>True when an earlier result-by-result attempt applied some of the match's results (left their markers).</summary>
    private static bool AppliedInPart(Match match, ApplyState state) =>
        match.Results.Any(result => state.Applied.Contains((match.MatchId, result.PlayerId)));

    /// <summary>The match's players' totals with its results added, from the totals read.</summary>
    private MatchTotals Totals(Match match, IReadOnlyDictionary<(string BoardId, string PlayerId), (BoardStats? Stats, long Version)> current) => new(
        match.MatchId,
        [.. match.Results.Select(result =>
        {
            var (stats, version) = current[(match.BoardId, result.PlayerId)];
            return ((stats ?? BoardStats.Empty(match.BoardId, result.PlayerId, result.DisplayName)).Add(result), version);
        })],
        matches.ProcessedUpdate(match.MatchId));

    private async Task ApplyResultAsync(Match match, MatchResult result, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxAttemptsPerResult; attempt++)
        {
            var (current, version) = await standings.GetStatsAsync(match.BoardId, result.PlayerId, cancellationToken);
            var updated = (current ?? BoardStats.Empty(match.BoardId, result.PlayerId, result.DisplayName)).Add(result);
            var outcome = await standings.ApplyAsync(match.MatchId, updated, version, matches.NotProcessedCheck(match.MatchId), cancellationToken);
            if (outcome != ApplyOutcome.Conflict)
            {
                return;
            }
            LogConflict(match.MatchId, result.PlayerId, attempt);
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * attempt)), cancellationToken);
        }
        throw new InvalidOperationException(
            $"Could not apply match '{match.MatchId}' to player '{result.PlayerId}' after {MaxAttemptsPerResult} conflicting attempts.");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not apply {Count} matches together; applying them one by one")]
    private partial void LogTogetherFailed(Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Totals of a player of match {MatchId} changed while applying it (attempt {Attempt}); retrying")]
    private partial void LogMatchConflict(string matchId, int attempt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Totals of player {PlayerId} changed while applying match {MatchId} (attempt {Attempt}); retrying")]
    private partial void LogConflict(string matchId, string playerId, int attempt);
}
