using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Leaderboard.Core;

namespace PlatformBench;

/// <summary>
/// Which matches are stored (their match item exists) and which the stream processor has finished (the item
/// carries <c>processed: true</c>, which <c>MatchAggregator</c> sets after every result is in the standings).
/// Reads straight from DynamoDB Local, 100 keys per <c>BatchGetItem</c>: the same store the app writes to, so a
/// caller probing thousands of ids should probe seldom (see <see cref="Intake"/>).
/// </summary>
internal sealed class ProcessedProbe(Uri dynamoDb, string table) : IDisposable
{
    private readonly AmazonDynamoDBClient _client = new(
        new BasicAWSCredentials("local", "local"),
        new AmazonDynamoDBConfig { ServiceURL = dynamoDb.ToString(), AuthenticationRegion = "us-east-1", MaxErrorRetry = 2 });

    public async Task<List<Arrival>> ProcessedAsync(IReadOnlyList<string> matchIds, CancellationToken cancellationToken) =>
        [.. (await ItemsAsync(matchIds, cancellationToken))
            .Where(item => item.TryGetValue("processed", out var flag) && flag.BOOL == true)
            .Select(item => new Arrival(MatchId(item), null))];

    /// <summary>
    /// The stored matches, each with the time the intake stamped on it just before writing it: its
    /// <c>playedAt</c>, which the intake sets to its clock when the sender gives none.
    /// </summary>
    public async Task<List<Arrival>> StoredAsync(IReadOnlyList<string> matchIds, CancellationToken cancellationToken) =>
        [.. (await ItemsAsync(matchIds, cancellationToken))
            .Select(item => new Arrival(MatchId(item), DateTimeOffset.Parse(item["playedAt"].S, System.Globalization.CultureInfo.InvariantCulture)))];

    private static string MatchId(Dictionary<string, AttributeValue> item) => item[Keys.PartitionKey].S["MATCH#".Length..];

    private async Task<List<Dictionary<string, AttributeValue>>> ItemsAsync(IReadOnlyList<string> matchIds, CancellationToken cancellationToken)
    {
        var found = new List<Dictionary<string, AttributeValue>>();
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
                        ProjectionExpression = "PK, #processed, playedAt",
                        ExpressionAttributeNames = new Dictionary<string, string> { ["#processed"] = "processed" },
                    },
                },
            }, cancellationToken);
            if (response.Responses is not null && response.Responses.TryGetValue(table, out var items))
            {
                found.AddRange(items);
            }
        }
        return found;
    }

    public void Dispose() => _client.Dispose();
}
