using System.Text.Json.Nodes;

namespace AppHost.Emulators.EventSources;

/// <summary>A shard of a stream and where it came from.</summary>
public sealed record StreamShard(string ShardId, string? ParentShardId, bool IsClosed);

/// <summary>One page of a shard: its records (as the Streams API returns them) and the next iterator (null: shard closed).</summary>
public sealed record RecordPage(IReadOnlyList<JsonObject> Records, string? NextShardIterator);

/// <summary>
/// A small client of the DynamoDB Streams JSON API (<c>DynamoDBStreams_20120810</c>), enough for an
/// event source mapping: describe the stream, get shard iterators, read records. DynamoDB Local
/// serves it on its own endpoint and accepts any credentials.
/// </summary>
public sealed class DynamoDbStreamsClient(HttpClient http, Uri endpoint)
{
    public async Task<IReadOnlyList<StreamShard>> DescribeShardsAsync(string streamArn, CancellationToken cancellationToken)
    {
        var shards = new List<StreamShard>();
        string? exclusiveStart = null;
        do
        {
            var request = new JsonObject { ["StreamArn"] = streamArn };
            if (exclusiveStart is not null)
            {
                request["ExclusiveStartShardId"] = exclusiveStart;
            }
            var description = (await CallAsync("DescribeStream", request, cancellationToken))["StreamDescription"]!;
            foreach (var shard in description["Shards"]?.AsArray() ?? [])
            {
                shards.Add(new StreamShard(
                    shard!["ShardId"]!.GetValue<string>(),
                    shard["ParentShardId"]?.GetValue<string>(),
                    shard["SequenceNumberRange"]?["EndingSequenceNumber"] is not null));
            }
            exclusiveStart = description["LastEvaluatedShardId"]?.GetValue<string>();
        }
        while (exclusiveStart is not null);
        return shards;
    }

    /// <summary>An iterator at TRIM_HORIZON, LATEST, or AFTER_SEQUENCE_NUMBER when a sequence number is given.</summary>
    public async Task<string> GetShardIteratorAsync(string streamArn, string shardId, string iteratorType, string? sequenceNumber, CancellationToken cancellationToken)
    {
        var request = new JsonObject { ["StreamArn"] = streamArn, ["ShardId"] = shardId, ["ShardIteratorType"] = iteratorType };
        if (sequenceNumber is not null)
        {
            request["SequenceNumber"] = sequenceNumber;
        }
        return (await CallAsync("GetShardIterator", request, cancellationToken))["ShardIterator"]!.GetValue<string>();
    }

    public async Task<RecordPage> GetRecordsAsync(string shardIterator, int limit, CancellationToken cancellationToken)
    {
        var response = await CallAsync("GetRecords", new JsonObject { ["ShardIterator"] = shardIterator, ["Limit"] = limit }, cancellationToken);
        var records = response["Records"]?.AsArray().Select(record => record!.AsObject()).ToList() ?? [];
        foreach (var record in records)
        {
            record.Parent?.AsArray().Remove(record);
        }
        return new RecordPage(records, response["NextShardIterator"]?.GetValue<string>());
    }

    private async Task<JsonObject> CallAsync(string operation, JsonObject body, CancellationToken cancellationToken)
    {
        var (status, text) = await AwsJsonCall.SendAsync(http, endpoint, "dynamodb", "DynamoDBStreams_20120810." + operation, body, cancellationToken);
        return status is >= 200 and < 300 ? JsonNode.Parse(text)!.AsObject() : throw new DynamoDbStreamsException(operation, status, text);
    }
}

/// <summary>The Streams API refused a call; the message carries its error body.</summary>
public sealed class DynamoDbStreamsException(string operation, int statusCode, string body)
    : Exception($"DynamoDB Streams {operation} failed with {statusCode}: {body}")
{
    /// <summary>True when the service itself failed (5xx), as opposed to refusing the request.</summary>
    public bool IsServiceFailure => statusCode >= 500;

    public bool IsExpiredIterator => body.Contains("ExpiredIteratorException", StringComparison.Ordinal)
        || body.Contains("TrimmedDataAccessException", StringComparison.Ordinal);
}
