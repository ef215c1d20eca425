using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Leaderboard.Core;
using Microsoft.Extensions.Options;

namespace Leaderboard.Live;

/// <summary>
/// Which connections watch which boards, in the single table: each subscription is two items, one under
/// the board (<c>LIVE#board / CONN#connection</c>, to find a board's subscribers) and one under the
/// connection (<c>CONN#connection / LIVE#board</c>, to clean up when it goes), both expiring by time to live.
/// </summary>
public sealed class SubscriptionStore(IAmazonDynamoDB dynamoDb, IOptions<LeaderboardOptions> leaderboard, IOptions<LiveOptions> live, TimeProvider time)
{
    /// <summary>The time-to-live attribute of the table (epoch seconds).</summary>
    public const string ExpiresAt = "expiresAt";

    private const int BatchWriteLimit = 25;
    private readonly string _table = leaderboard.Value.TableName;

    /// <summary>Subscribes a connection to a board (again: the subscription's lifetime starts over).</summary>
    public async Task SubscribeAsync(string connectionId, string boardId, CancellationToken cancellationToken)
    {
        var expiresAt = (time.GetUtcNow() + live.Value.SubscriptionLifetime).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        Dictionary<string, AttributeValue> Item(string partition, string sort) => new()
        {
            [Keys.PartitionKey] = new AttributeValue { S = partition },
            [Keys.SortKey] = new AttributeValue { S = sort },
            ["Type"] = new AttributeValue { S = "LiveSubscription" },
            ["connectionId"] = new AttributeValue { S = connectionId },
            ["boardId"] = new AttributeValue { S = boardId },
            [ExpiresAt] = new AttributeValue { N = expiresAt },
        };
        await dynamoDb.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            TransactItems = [.. ItemKeys(connectionId, boardId).Select(key => new TransactWriteItem { Put = new Put { TableName = _table, Item = Item(key.Partition, key.Sort) } })],
        }, cancellationToken);
    }

    /// <summary>Ends a connection's subscription to a board (nothing happens when there is none).</summary>
    public async Task UnsubscribeAsync(string connectionId, string boardId, CancellationToken cancellationToken) =>
        await DeleteAsync(ItemKeys(connectionId, boardId), cancellationToken);

    /// <summary>The connections subscribed to a board (expired subscriptions that time to live has not removed yet are left out).</summary>
    public async Task<IReadOnlyList<string>> SubscribersAsync(string boardId, CancellationToken cancellationToken) =>
        (await QueryAsync(Keys.LiveBoard(boardId), cancellationToken)).Select(item => item["connectionId"].S).ToList();

    /// <summary>Removes every subscription of a connection (it disconnected or is gone).</summary>
    public async Task RemoveConnectionAsync(string connectionId, CancellationToken cancellationToken)
    {
        var boards = (await QueryAsync(Keys.Connection(connectionId), cancellationToken, includeExpired: true)).Select(item => item["boardId"].S);
        await DeleteAsync(boards.SelectMany(boardId => ItemKeys(connectionId, boardId)).ToList(), cancellationToken);
    }

    /// <summary>The two items of one subscription: under the board, and under the connection.</summary>
    private static (string Partition, string Sort)[] ItemKeys(string connectionId, string boardId) =>
        [(Keys.LiveBoard(boardId), Keys.Connection(connectionId)), (Keys.Connection(connectionId), Keys.LiveBoard(boardId))];

    private async Task DeleteAsync(IReadOnlyList<(string Partition, string Sort)> keys, CancellationToken cancellationToken)
    {
        var deletes = keys
            .Select(key => new WriteRequest(new DeleteRequest(new Dictionary<string, AttributeValue>
            {
                [Keys.PartitionKey] = new AttributeValue { S = key.Partition },
                [Keys.SortKey] = new AttributeValue { S = key.Sort },
            })))
            .ToList();
        foreach (var chunk in deletes.Chunk(BatchWriteLimit))
        {
            var pending = new Dictionary<string, List<WriteRequest>> { [_table] = [.. chunk] };
            for (var attempt = 0; pending.Count > 0; attempt++)
            {
                if (attempt > 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken);
                }
                var response = await dynamoDb.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = pending }, cancellationToken);
                pending = response.UnprocessedItems is { Count: > 0 } unprocessed ? unprocessed : [];
            }
        }
    }

    private async Task<List<Dictionary<string, AttributeValue>>> QueryAsync(string partition, CancellationToken cancellationToken, bool includeExpired = false)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var items = new List<Dictionary<string, AttributeValue>>();
        var request = new QueryRequest
        {
            TableName = _table,
            KeyConditionExpression = "PK = :pk",
            ExpressionAttributeValues = new() { [":pk"] = new AttributeValue { S = partition } },
            ConsistentRead = true,
        };
        do
        {
            var response = await dynamoDb.QueryAsync(request, cancellationToken);
            items.AddRange((response.Items ?? []).Where(item => includeExpired
                || !item.TryGetValue(ExpiresAt, out var expires) || long.Parse(expires.N, System.Globalization.CultureInfo.InvariantCulture) > now));
            request.ExclusiveStartKey = response.LastEvaluatedKey;
        }
        while (request.ExclusiveStartKey is { Count: > 0 });
        return items;
    }
}
