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
/// What <see cref="StandingsRepository.GetApplyStateAsync"/> read: players' totals on boards with their items'
/// versions, and the (match, player) results applied one by one before.
/// </summary>
public sealed record ApplyState(
    IReadOnlyDictionary<(string BoardId, string PlayerId), (BoardStats? Stats, long Version)> Totals,
    IReadOnlySet<(string MatchId, string PlayerId)> Applied);

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
    /// For results of matches: the players' totals on the matches' boards (strongly consistent) with their items'
    /// versions, a player without totals mapping to (null, 0), and which of the results an earlier result-by-result
    /// attempt applied (their markers). One <c>BatchGetItem</c> per 100 keys.
    /// </summary>
    public async Task<ApplyState> GetApplyStateAsync(
        IReadOnlyCollection<(string MatchId, string BoardId, string PlayerId)> results, CancellationToken cancellationToken)
    {
        var keys = results
            .SelectMany(result => new (string PartitionKey, string SortKey)[]
            {
                (Keys.Player(result.PlayerId), Keys.BoardStats(result.BoardId)),
                (Keys.Match(result.MatchId), Keys.Applied(result.PlayerId)),
            })
            .Distinct()
            .ToList();
        var found = new Dictionary<(string PartitionKey, string SortKey), Dictionary<string, AttributeValue>>();
        foreach (var chunk in keys.Chunk(MaxBatchGetKeys))
        {
            var unread = new Dictionary<string, KeysAndAttributes>
            {
                [_table] = new()
                {
                    Keys = [.. chunk.Select(key => new Dictionary<string, AttributeValue>
                    {
                        [Keys.PartitionKey] = S(key.PartitionKey),
                        [Keys.SortKey] = S(key.SortKey),
                    })],
                    ConsistentRead = true,
                },
            };
            while (unread is { Count: > 0 })
            {
                var response = await dynamoDb.BatchGetItemAsync(new BatchGetItemRequest { RequestItems = unread }, cancellationToken);
                foreach (var item in response.Responses?.GetValueOrDefault(_table) ?? [])
                {
                    found[(item[Keys.PartitionKey].S, item[Keys.SortKey].S)] = item;
                }
                unread = response.UnprocessedKeys;
            }
        }
        var totals = new Dictionary<(string BoardId, string PlayerId), (BoardStats? Stats, long Version)>();
        var applied = new HashSet<(string MatchId, string PlayerId)>();
        foreach (var (matchId, boardId, playerId) in results)
        {
            totals[(boardId, playerId)] = found.TryGetValue((Keys.Player(playerId), Keys.BoardStats(boardId)), out var stats)
                ? (ToBoardStats(stats), Version(stats))
                : (null, 0);
            if (found.ContainsKey((Keys.Match(matchId), Keys.Applied(playerId))))
            {
                applied.Add((matchId, playerId));
            }
        }
        return new ApplyState(totals, applied);
    }

    /// <summary>
    /// Adds every result of the given matches to their players' totals in one transaction, with each match's
    /// <see cref="MatchTotals.Processed"/> update (at most 100 items: one per result and one per match). Every
    /// player's totals must still be at its expected version (0: absent), else <see cref="ApplyOutcome.Conflict"/>.
    /// No marker is written: the processed update's condition makes the whole match count once, and a result that a
    /// result-by-result attempt adds meanwhile moves its player's totals on, which fails this transaction.
    /// <see cref="ApplyOutcome.AlreadyApplied"/> means that a match is processed already or gone: nothing changed.
    /// </summary>
    public Task<ApplyOutcome> ApplyMatchesAsync(IReadOnlyList<MatchTotals> matches, CancellationToken cancellationToken)
    {
        var transaction = new ApplyTransaction(this, dynamoDb);
        foreach (var match in matches)
        {
            foreach (var (updated, expectedVersion) in match.Totals)
            {
                transaction.AddTotals(updated, expectedVersion);
            }
            transaction.Items.Add(new TransactWriteItem { Update = match.Processed });
        }
        return transaction.RunAsync(cancellationToken);
    }

    /// <summary>
    /// Adds one match result to a player's totals, in one transaction with a marker item that makes the addition
    /// happen at most once per (match, player), and <paramref name="notProcessed"/>, which keeps it from a match
    /// applied at once before. The totals must still be at <paramref name="expectedVersion"/> (0: absent), else
    /// <see cref="ApplyOutcome.Conflict"/>.
    /// </summary>
    public Task<ApplyOutcome> ApplyAsync(
        string matchId, BoardStats updated, long expectedVersion, ConditionCheck notProcessed, CancellationToken cancellationToken)
    {
        var transaction = new ApplyTransaction(this, dynamoDb);
        transaction.Items.Add(new TransactWriteItem { Put = MarkerPut(matchId, updated) });
        transaction.AddTotals(updated, expectedVersion);
        transaction.Items.Add(new TransactWriteItem { ConditionCheck = notProcessed });
        return transaction.RunAsync(cancellationToken);
    }

    /// <summary>
    /// A transaction that adds results to totals (and whatever else the caller adds), and tells what became of it.
    /// </summary>
    private sealed class ApplyTransaction(StandingsRepository repository, IAmazonDynamoDB dynamoDb)
    {
        /// <summary>Which items are totals: a failed check there only means that they moved on.</summary>
        private readonly HashSet<int> _totalsAt = [];

        public List<TransactWriteItem> Items { get; } = [];

        /// <summary>Adds a player's new totals, which must still be at <paramref name="expectedVersion"/>.</summary>
        public void AddTotals(BoardStats updated, long expectedVersion)
        {
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
                // way): read again and retry. A marker written before, or a match processed or gone: already applied.
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
