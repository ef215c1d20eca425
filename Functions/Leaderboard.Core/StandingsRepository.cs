using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using static Leaderboard.Core.ItemMapper;

namespace Leaderboard.Core;

/// <summary>What happened when one match result was applied to a player's totals.</summary>
public enum ApplyOutcome
{
    /// <summary>The result was added to the totals.</summary>
    Applied,

    /// <summary>The result had been added before; nothing changed.</summary>
    AlreadyApplied,

    /// <summary>Someone else changed the totals meanwhile; read them again and retry.</summary>
    Conflict,
}

/// <summary>
/// A match's new totals for <see cref="StandingsRepository.ApplyMatchesAsync"/>: each player's totals with
/// the result added and the version they were read at, and the update that records the match processed.
/// </summary>
public sealed record MatchTotals(string MatchId, IReadOnlyList<(BoardStats Updated, long ExpectedVersion)> Totals, Update Processed);

/// <summary>
/// Board standings. Each board's standings are spread over <see cref="LeaderboardOptions.BoardShards"/>
/// partition keys of the <c>GSI1</c> index; reads query every shard and merge.
/// </summary>
public sealed class StandingsRepository(IAmazonDynamoDB dynamoDb, IOptions<LeaderboardOptions> options)
{
    /// <summary>DynamoDB's limit on the keys of one <c>BatchGetItem</c>.</summary>
    private const int MaxBatchGetKeys = 100;

    private readonly string _table = options.Value.TableName;
    private readonly int _shards = options.Value.BoardShards;

    /// <summary>The best <paramref name="limit"/> standings of a board, ranked.</summary>
    public async Task<IReadOnlyList<Standing>> GetTopAsync(string boardId, int limit, CancellationToken cancellationToken)
    {
        var perShard = await QueryShardsAsync(boardId, null, forward: true, limit, cancellationToken);
        return Ranking.RankTop(perShard.SelectMany(stats => stats).Order(Comparer<BoardStats>.Create(Ranking.Compare)).Take(limit).ToList());
    }

    /// <summary>
    /// The player's standing with up to <paramref name="around"/> neighbours above and below, ranked;
    /// null when the player has no standing on the board.
    /// </summary>
    public async Task<IReadOnlyList<Standing>?> GetAroundAsync(
        string boardId, string playerId, int around, CancellationToken cancellationToken)
    {
        var (player, _) = await GetStatsAsync(boardId, playerId, cancellationToken);
        if (player is null)
        {
            return null;
        }
        var playerKey = Keys.Standing(player.Points, player.PlayerId);
        var comparer = Comparer<BoardStats>.Create(Ranking.Compare);
        var aboveTask = QueryShardsAsync(boardId, new("<", playerKey), forward: false, around, cancellationToken);
        var belowTask = QueryShardsAsync(boardId, new(">", playerKey), forward: true, around, cancellationToken);
        var above = (await aboveTask).SelectMany(stats => stats).Order(comparer).TakeLast(around).ToList();
        var below = (await belowTask).SelectMany(stats => stats).Order(comparer).Take(around).ToList();

        var first = above.FirstOrDefault() ?? player;
        var firstKey = Keys.Standing(first.Points, first.PlayerId);
        var countBeforeFirst = CountShardsAsync(boardId, firstKey, cancellationToken);
        var countAheadOfFirst = CountShardsAsync(boardId, Keys.PointsPrefix(first.Points), cancellationToken);
        var window = above.Append(player).Concat(below).ToList();
        return Ranking.Rank(window, firstPosition: await countBeforeFirst + 1, firstRank: await countAheadOfFirst + 1);
    }

    /// <summary>A player's totals on a board (strongly consistent) and the item's version, or nulls.</summary>
    public async Task<(BoardStats? Stats, long Version)> GetStatsAsync(
        string boardId, string playerId, CancellationToken cancellationToken)
    {
        var response = await dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = _table,
            Key = new()
            {
                [Keys.PartitionKey] = S(Keys.Player(playerId)),
                [Keys.SortKey] = S(Keys.BoardStats(boardId)),
            },
            ConsistentRead = true,
        }, cancellationToken);
        return response.Item is { Count: > 0 } item ? (ToBoardStats(item), Version(item)) : (null, 0);
    }

    /// <summary>
    /// Players' totals on boards (strongly consistent) with their items' versions, read 100 at a time; a
    /// player without totals on a board maps to (null, 0).
    /// </summary>
    public async Task<IReadOnlyDictionary<(string BoardId, string PlayerId), (BoardStats? Stats, long Version)>> GetStatsAsync(
        IReadOnlyCollection<(string BoardId, string PlayerId)> keys, CancellationToken cancellationToken)
    {
        var found = keys.Distinct().ToDictionary(key => key, _ => ((BoardStats?)null, 0L));
        foreach (var chunk in found.Keys.Chunk(MaxBatchGetKeys))
        {
            var unread = new Dictionary<string, KeysAndAttributes>
            {
                [_table] = new()
                {
                    Keys = [.. chunk.Select(key => new Dictionary<string, AttributeValue>
                    {
                        [Keys.PartitionKey] = S(Keys.Player(key.PlayerId)),
                        [Keys.SortKey] = S(Keys.BoardStats(key.BoardId)),
                    })],
                    ConsistentRead = true,
                },
            };
            while (unread is { Count: > 0 })
            {
                var response = await dynamoDb.BatchGetItemAsync(new BatchGetItemRequest { RequestItems = unread }, cancellationToken);
                foreach (var item in response.Responses?.GetValueOrDefault(_table) ?? [])
                {
                    var stats = ToBoardStats(item);
                    found[(stats.BoardId, stats.PlayerId)] = (stats, Version(item));
                }
                unread = response.UnprocessedKeys;
            }
        }
        return found;
    }

    /// <summary>
    /// Adds every result of the given matches to their players' totals in one transaction, with the
    /// marker of each (match, player) and each match's <see cref="MatchTotals.Processed"/> update (at
    /// most 100 items: two per result and one per match). Every player's totals must still be at its
    /// expected version (0: absent), else <see cref="ApplyOutcome.Conflict"/>.
    /// <see cref="ApplyOutcome.AlreadyApplied"/> means that a result had been applied before (an earlier
    /// attempt went result by result) or that a match is gone: nothing changed, and <see cref="ApplyAsync"/>
    /// completes such a match result by result.
    /// </summary>
    public Task<ApplyOutcome> ApplyMatchesAsync(IReadOnlyList<MatchTotals> matches, CancellationToken cancellationToken)
    {
        var transaction = new ApplyTransaction(this, dynamoDb);
        foreach (var match in matches)
        {
            foreach (var (updated, expectedVersion) in match.Totals)
            {
                transaction.AddResult(match.MatchId, updated, expectedVersion);
            }
            transaction.Items.Add(new TransactWriteItem { Update = match.Processed });
        }
        return transaction.RunAsync(cancellationToken);
    }

    /// <summary>
    /// Adds one match result to a player's totals, in one transaction with a marker item that
    /// makes the addition happen at most once per (match, player). The totals must still be at
    /// <paramref name="expectedVersion"/> (0: absent), else <see cref="ApplyOutcome.Conflict"/>.
    /// </summary>
    public Task<ApplyOutcome> ApplyAsync(
        string matchId, BoardStats updated, long expectedVersion, CancellationToken cancellationToken)
    {
        var transaction = new ApplyTransaction(this, dynamoDb);
        transaction.AddResult(matchId, updated, expectedVersion);
        return transaction.RunAsync(cancellationToken);
    }

    /// <summary>
    /// A transaction that adds results to totals, each with its marker (and whatever else the caller adds),
    /// and tells what became of it.
    /// </summary>
    private sealed class ApplyTransaction(StandingsRepository repository, IAmazonDynamoDB dynamoDb)
    {
        /// <summary>Which items are totals: a failed check there only means that they moved on.</summary>
        private readonly HashSet<int> _totalsAt = [];

        public List<TransactWriteItem> Items { get; } = [];

        /// <summary>Adds a result's marker and the player's new totals, which must still be at <paramref name="expectedVersion"/>.</summary>
        public void AddResult(string matchId, BoardStats updated, long expectedVersion)
        {
            Items.Add(new TransactWriteItem { Put = repository.MarkerPut(matchId, updated) });
            _totalsAt.Add(Items.Count);
            Items.Add(new TransactWriteItem { Put = repository.StatsPut(updated, expectedVersion) });
        }

        public async Task<ApplyOutcome> RunAsync(CancellationToken cancellationToken)
        {
            try
            {
                await dynamoDb.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = Items }, cancellationToken);
                return ApplyOutcome.Applied;
            }
            catch (TransactionCanceledException cancelled)
            {
                // The reasons come in the order of the items. Only totals that moved on (or a transaction in the
                // way): read again and retry. A marker written before, or a match gone: already applied.
                var failedChecks = (cancelled.CancellationReasons ?? [])
                    .Select((reason, index) => (reason.Code, Index: index))
                    .Where(reason => reason.Code == "ConditionalCheckFailed")
                    .Select(reason => reason.Index);
                return failedChecks.All(_totalsAt.Contains) ? ApplyOutcome.Conflict : ApplyOutcome.AlreadyApplied;
            }
            catch (TransactionConflictException)
            {
                return ApplyOutcome.Conflict;
            }
        }
    }

    /// <summary>The player's new totals, written only if the stored ones are still at <paramref name="expectedVersion"/> (0: absent).</summary>
    private Put StatsPut(BoardStats updated, long expectedVersion)
    {
        var put = new Put
        {
            TableName = _table,
            Item = ToItem(updated, expectedVersion + 1, _shards),
        };
        if (expectedVersion == 0)
        {
            put.ConditionExpression = "attribute_not_exists(PK)";
        }
        else
        {
            put.ConditionExpression = "#version = :expected";
            put.ExpressionAttributeNames = new() { ["#version"] = "version" };
            put.ExpressionAttributeValues = new() { [":expected"] = N(expectedVersion) };
        }
        return put;
    }

    /// <summary>The marker that a (match, player) result was applied; written only once.</summary>
    private Put MarkerPut(string matchId, BoardStats updated) => new()
    {
        TableName = _table,
        Item = new()
        {
            [Keys.PartitionKey] = S(Keys.Match(matchId)),
            [Keys.SortKey] = S(Keys.Applied(updated.PlayerId)),
            ["Type"] = S("Applied"),
            ["boardId"] = S(updated.BoardId),
        },
        ConditionExpression = "attribute_not_exists(PK)",
    };

    private async Task<List<BoardStats>[]> QueryShardsAsync(
        string boardId, KeyBound? bound, bool forward, int limit, CancellationToken cancellationToken)
    {
        if (limit == 0)
        {
            return [];
        }
        return await Task.WhenAll(Enumerable.Range(0, _shards).Select(async shard =>
        {
            var response = await dynamoDb.QueryAsync(ShardQuery(boardId, shard, bound, forward, limit), cancellationToken);
            return (response.Items ?? []).Select(ToBoardStats).ToList();
        }));
    }

    /// <summary>How many standings of the board sort before <paramref name="key"/>, over all shards.</summary>
    private async Task<long> CountShardsAsync(string boardId, string key, CancellationToken cancellationToken)
    {
        var counts = await Task.WhenAll(Enumerable.Range(0, _shards).Select(async shard =>
        {
            var request = ShardQuery(boardId, shard, new("<", key), forward: true, limit: null);
            request.Select = Select.COUNT;
            long count = 0;
            do
            {
                var response = await dynamoDb.QueryAsync(request, cancellationToken);
                count += response.Count ?? 0;
                request.ExclusiveStartKey = response.LastEvaluatedKey;
            }
            while (request.ExclusiveStartKey is { Count: > 0 });
            return count;
        }));
        return counts.Sum();
    }

    private QueryRequest ShardQuery(string boardId, int shard, KeyBound? bound, bool forward, int? limit)
    {
        var values = new Dictionary<string, AttributeValue> { [":pk"] = S(Keys.BoardShard(boardId, shard)) };
        var condition = "GSI1PK = :pk";
        if (bound is not null)
        {
            condition += $" AND GSI1SK {bound.Operator} :sk";
            values[":sk"] = S(bound.Key);
        }
        return new QueryRequest
        {
            TableName = _table,
            IndexName = Keys.StandingsIndex,
            KeyConditionExpression = condition,
            ExpressionAttributeValues = values,
            ScanIndexForward = forward,
            Limit = limit,
        };
    }

    private sealed record KeyBound(string Operator, string Key);
}
