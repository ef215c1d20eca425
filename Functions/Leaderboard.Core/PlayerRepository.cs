using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using static Leaderboard.Core.ItemMapper;

namespace Leaderboard.Core;

/// <summary>Players and their per-board totals, which share the player's partition.</summary>
public sealed class PlayerRepository(IAmazonDynamoDB dynamoDb, IOptions<LeaderboardOptions> options, TimeProvider clock)
{
    private const int BatchGetLimit = 100;
    private readonly string _table = options.Value.TableName;

    /// <summary>Registers a new player under a fresh, time-ordered id.</summary>
    public async Task<Player> CreateAsync(string displayName, string? region, CancellationToken cancellationToken)
    {
        var player = new Player(Guid.CreateVersion7().ToString("N"), displayName, region, clock.GetUtcNow());
        await dynamoDb.PutItemAsync(new PutItemRequest
        {
            TableName = _table,
            Item = ToItem(player),
            ConditionExpression = "attribute_not_exists(PK)",
        }, cancellationToken);
        return player;
    }

    /// <summary>The player and their totals on every board, read with one query.</summary>
    public async Task<(Player Player, IReadOnlyList<BoardStats> Boards)?> GetWithStatsAsync(
        string playerId, CancellationToken cancellationToken)
    {
        Player? player = null;
        var boards = new List<BoardStats>();
        var request = new QueryRequest
        {
            TableName = _table,
            KeyConditionExpression = "PK = :pk",
            ExpressionAttributeValues = new() { [":pk"] = S(Keys.Player(playerId)) },
        };
        do
        {
            var response = await dynamoDb.QueryAsync(request, cancellationToken);
            foreach (var item in response.Items ?? [])
            {
                if (item[Keys.SortKey].S == Keys.ProfileSort)
                {
                    player = ToPlayer(item);
                }
                else if (IsBoardStats(item))
                {
                    boards.Add(ToBoardStats(item));
                }
            }
            request.ExclusiveStartKey = response.LastEvaluatedKey;
        }
        while (request.ExclusiveStartKey is { Count: > 0 });
        return player is null ? null : (player, boards);
    }

    /// <summary>The players among <paramref name="playerIds"/> that exist, by id.</summary>
    public async Task<IReadOnlyDictionary<string, Player>> GetManyAsync(
        IReadOnlyCollection<string> playerIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, Player>(playerIds.Count);
        foreach (var chunk in playerIds.Chunk(BatchGetLimit))
        {
            var keys = chunk.Select(id => new Dictionary<string, AttributeValue>
            {
                [Keys.PartitionKey] = S(Keys.Player(id)),
                [Keys.SortKey] = S(Keys.ProfileSort),
            }).ToList();
            var pending = new Dictionary<string, KeysAndAttributes> { [_table] = new() { Keys = keys } };
            for (var attempt = 0; pending.Count > 0; attempt++)
            {
                if (attempt > 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 25 << attempt)), cancellationToken);
                }
                var response = await dynamoDb.BatchGetItemAsync(new BatchGetItemRequest { RequestItems = pending }, cancellationToken);
                if (response.Responses?.TryGetValue(_table, out var items) == true)
                {
                    foreach (var player in items.Select(ToPlayer))
                    {
                        found[player.PlayerId] = player;
                    }
                }
                pending = response.UnprocessedKeys ?? [];
            }
        }
        return found;
    }
}
