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

    /// <summary>True when a stream image (new image) is an accepted match this service applies.</summary>
    public static bool IsMatch(IReadOnlyDictionary<string, AttributeValue> image) => ItemMapper.IsMatch(image);

    /// <summary>Reads a match from a stream image or item.</summary>
    public static Match ReadMatch(IReadOnlyDictionary<string, AttributeValue> image) => ItemMapper.ToMatch(image);

    /// <summary>Applies every result of the match, then marks the match processed.</summary>
    public async Task ApplyAsync(Match match, CancellationToken cancellationToken)
    {
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

    private async Task ApplyResultAsync(Match match, MatchResult result, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxAttemptsPerResult; attempt++)
        {
            var (current, version) = await standings.GetStatsAsync(match.BoardId, result.PlayerId, cancellationToken);
            var updated = (current ?? BoardStats.Empty(match.BoardId, result.PlayerId, result.DisplayName)).Add(result);
            var outcome = await standings.ApplyAsync(match.MatchId, updated, version, cancellationToken);
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Totals of player {PlayerId} changed while applying match {MatchId} (attempt {Attempt}); retrying")]
    private partial void LogConflict(string matchId, string playerId, int attempt);
}
