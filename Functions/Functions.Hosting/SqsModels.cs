using System.Text.Json.Serialization;

namespace Functions.Hosting;

/// <summary>A batch of SQS messages, as Lambda's SQS event source mapping delivers it.</summary>
public sealed class SqsEvent
{
    [JsonPropertyName("Records")]
    public IReadOnlyList<SqsMessage> Records { get; init; } = [];
}

/// <summary>One message of the batch. Report its <see cref="MessageId"/> in <c>batchItemFailures</c> to have it delivered again.</summary>
public sealed class SqsMessage
{
    public string MessageId { get; init; } = "";

    public string ReceiptHandle { get; init; } = "";

    public string Body { get; init; } = "";

    /// <summary>System attributes: <c>ApproximateReceiveCount</c>, <c>SentTimestamp</c>, <c>SenderId</c>, <c>ApproximateFirstReceiveTimestamp</c>, and on FIFO queues <c>MessageGroupId</c>, <c>SequenceNumber</c>, ...</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, SqsMessageAttributeValue> MessageAttributes { get; init; } = new Dictionary<string, SqsMessageAttributeValue>();

    public string Md5OfBody { get; init; } = "";

    public string? Md5OfMessageAttributes { get; init; }

    /// <summary><c>aws:sqs</c>.</summary>
    public string EventSource { get; init; } = "";

    /// <summary>The queue's ARN.</summary>
    [JsonPropertyName("eventSourceARN")]
    public string EventSourceArn { get; init; } = "";

    public string AwsRegion { get; init; } = "";

    /// <summary>How many times the queue has handed this message out, this delivery included.</summary>
    [JsonIgnore]
    public int ReceiveCount => int.TryParse(Attributes.GetValueOrDefault("ApproximateReceiveCount"), out var count) ? count : 0;
}

/// <summary>A message attribute as Lambda delivers it (string values for String and Number types, base64 for Binary).</summary>
public sealed class SqsMessageAttributeValue
{
    public string DataType { get; init; } = "";

    public string? StringValue { get; init; }

    public string? BinaryValue { get; init; }
}
