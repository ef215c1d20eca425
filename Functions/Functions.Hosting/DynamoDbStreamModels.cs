using System.Text.Json.Serialization;

namespace Functions.Hosting;

/// <summary>A batch of DynamoDB Streams records, as Lambda's event source mapping delivers it.</summary>
public sealed class DynamoDbStreamEvent
{
    [JsonPropertyName("Records")]
    public IReadOnlyList<DynamoDbStreamRecord> Records { get; init; } = [];
}

/// <summary>One change of one item, with where it came from.</summary>
public sealed class DynamoDbStreamRecord
{
    [JsonPropertyName("eventID")]
    public string EventId { get; init; } = "";

    /// <summary><c>INSERT</c>, <c>MODIFY</c> or <c>REMOVE</c>.</summary>
    [JsonPropertyName("eventName")]
    public string EventName { get; init; } = "";

    [JsonPropertyName("eventVersion")]
    public string? EventVersion { get; init; }

    /// <summary><c>aws:dynamodb</c>.</summary>
    [JsonPropertyName("eventSource")]
    public string? EventSource { get; init; }

    [JsonPropertyName("awsRegion")]
    public string? AwsRegion { get; init; }

    /// <summary>The stream's ARN.</summary>
    [JsonPropertyName("eventSourceARN")]
    public string? EventSourceArn { get; init; }

    [JsonPropertyName("dynamodb")]
    public DynamoDbChange Dynamodb { get; init; } = new();

    /// <summary>Set when DynamoDB itself removed the item (time to live).</summary>
    [JsonPropertyName("userIdentity")]
    public DynamoDbUserIdentity? UserIdentity { get; init; }
}

/// <summary>The <c>dynamodb</c> part of a stream record: the item's keys and images.</summary>
public sealed class DynamoDbChange
{
    /// <summary>When the change was made, in seconds since the Unix epoch.</summary>
    [JsonPropertyName("ApproximateCreationDateTime")]
    public double? ApproximateCreationDateTime { get; init; }

    [JsonPropertyName("Keys")]
    public IReadOnlyDictionary<string, DynamoDbAttributeValue> Keys { get; init; } = new Dictionary<string, DynamoDbAttributeValue>();

    /// <summary>The item after the change, when the stream view type includes new images.</summary>
    [JsonPropertyName("NewImage")]
    public IReadOnlyDictionary<string, DynamoDbAttributeValue>? NewImage { get; init; }

    /// <summary>The item before the change, when the stream view type includes old images.</summary>
    [JsonPropertyName("OldImage")]
    public IReadOnlyDictionary<string, DynamoDbAttributeValue>? OldImage { get; init; }

    /// <summary>The record's position in its shard; the identifier of a batch item failure.</summary>
    [JsonPropertyName("SequenceNumber")]
    public string SequenceNumber { get; init; } = "";

    [JsonPropertyName("SizeBytes")]
    public long SizeBytes { get; init; }

    /// <summary><c>KEYS_ONLY</c>, <c>NEW_IMAGE</c>, <c>OLD_IMAGE</c> or <c>NEW_AND_OLD_IMAGES</c>.</summary>
    [JsonPropertyName("StreamViewType")]
    public string? StreamViewType { get; init; }
}

/// <summary>
/// An attribute value in DynamoDB JSON: exactly one member is set. Numbers stay strings, as
/// DynamoDB sends them, so no precision is lost; binary values arrive base64-encoded and are decoded.
/// </summary>
public sealed class DynamoDbAttributeValue
{
    [JsonPropertyName("S")]
    public string? S { get; init; }

    [JsonPropertyName("N")]
    public string? N { get; init; }

    [JsonPropertyName("B")]
    public byte[]? B { get; init; }

    [JsonPropertyName("SS")]
    public IReadOnlyList<string>? SS { get; init; }

    [JsonPropertyName("NS")]
    public IReadOnlyList<string>? NS { get; init; }

    [JsonPropertyName("BS")]
    public IReadOnlyList<byte[]>? BS { get; init; }

    [JsonPropertyName("M")]
    public IReadOnlyDictionary<string, DynamoDbAttributeValue>? M { get; init; }

    [JsonPropertyName("L")]
    public IReadOnlyList<DynamoDbAttributeValue>? L { get; init; }

    [JsonPropertyName("NULL")]
    public bool? NULL { get; init; }

    [JsonPropertyName("BOOL")]
    public bool? BOOL { get; init; }
}

/// <summary>Who made a change that no caller made: DynamoDB's time to live.</summary>
public sealed class DynamoDbUserIdentity
{
    /// <summary><c>Service</c>.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; init; }

    /// <summary><c>dynamodb.amazonaws.com</c>.</summary>
    [JsonPropertyName("principalId")]
    public string? PrincipalId { get; init; }
}

/// <summary>
/// The partial batch response (<c>{"batchItemFailures":[{"itemIdentifier":"..."}]}</c>): the records
/// to retry. For a stream, each identifier is a record's <see cref="DynamoDbChange.SequenceNumber"/>; for a queue, a message's <see cref="SqsMessage.MessageId"/>;
/// an empty list means the whole batch succeeded.
/// </summary>
public sealed record PartialBatchResponse(
    [property: JsonPropertyName("batchItemFailures")] IReadOnlyList<BatchItemFailure> BatchItemFailures);

/// <summary>One record of a batch to retry.</summary>
public sealed record BatchItemFailure([property: JsonPropertyName("itemIdentifier")] string ItemIdentifier);
