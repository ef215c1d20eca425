using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Leaderboard.Core;

namespace PlatformBench;

/// <summary>
/// Which matches are stored (their match item exists) and which the stream processor has finished (the item
/// carries <c>processed: true</c>, which <c>MatchAggregator</c> sets after every result is in the standings).
/// Reads straight from DynamoDB Local, 100 keys per <c>BatchGetItem</c>, so probing adds little load.
/// </summary>
internal sealed class ProcessedProbe(Uri dynamoDb, string table) : IDisposable
{
    private readonly AmazonDynamoDBClient _client = new(
        new BasicAWSCredentials("local", "local"),
        new AmazonDynamoDBConfig { ServiceURL = dynamoDb.ToString(), AuthenticationRegion = "us-east-1", MaxErrorRetry = 2 });

    public Task<List<string>> ProcessedAsync(IReadOnlyList<string> matchIds, CancellationToken cancellationToken) =>
        MatchingAsync(matchIds, item => item.TryGetValue("processed", out var flag) && flag.BOOL == true, cancellationToken);

    public Task<List<string>> StoredAsync(IReadOnlyList<string> matchIds, CancellationToken cancellationToken) =>
        MatchingAsync(matchIds, _ => true, cancellationToken);

    private async Task<List<string>> MatchingAsync(IReadOnlyList<string> matchIds, Func<Dictionary<string, AttributeValue>, bool> predicate, CancellationToken cancellationToken)
    {
        var matching = new List<string>();
        foreach (var chunk in matchIds.Chunk(100))
        {
            var response = await _client.BatchGetItemAsync(new BatchGetItemRequest
            {
                RequestItems = new Dictionary<string, KeysAndAttributes>
                {
                    [table] = new()
                    {
                        Keys = chunk.Select(id => new Dictionary<string, AttributeValue>
                        {
                            [Keys.PartitionKey] = new() { S = Keys.Match(id) },
                            [Keys.SortKey] = new() { S = Keys.MatchSort },
                        }).ToList(),
                        ConsistentRead = true,
                        ProjectionExpression = "PK, #processed",
                        ExpressionAttributeNames = new Dictionary<string, string> { ["#processed"] = "processed" },
                    },
                },
            }, cancellationToken);
            if (response.Responses is null || !response.Responses.TryGetValue(table, out var items))
            {
                continue;
            }
            foreach (var item in items)
            {
                if (predicate(item))
                {
                    matching.Add(item[Keys.PartitionKey].S["MATCH#".Length..]);
                }
            }
        }
        return matching;
    }

    public void Dispose() => _client.Dispose();
}
