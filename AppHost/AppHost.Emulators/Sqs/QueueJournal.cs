using System.Text.Json.Serialization;

namespace AppHost.Emulators.Sqs;

/// <summary>Where a queue reports each change of its state, as it makes it (under its own lock, so in order).</summary>
internal interface IQueueJournal
{
    void Write(QueueJournalEntry entry);
}

/// <summary>
/// One line of the queues' journal. Every entry sets a piece of state to what it is now — a queue's settings,
/// a message with everything about it, a deduplication entry — or removes one, so replaying the lines in order
/// rebuilds the queues, and replaying a line twice changes nothing.
/// </summary>
internal sealed record QueueJournalEntry(string Op, string Queue)
{
    /// <summary>The queue's settings (<see cref="State"/>): created, or its attributes or tags changed.</summary>
    public const string QueueOp = "queue";

    /// <summary>The queue was deleted, with its messages.</summary>
    public const string DropOp = "drop";

    /// <summary>A message (<see cref="Message"/>) as it is now: sent, received, its visibility changed, moved in.</summary>
    public const string PutOp = "put";

    /// <summary>A message (<see cref="Id"/>) left the queue: deleted, expired, moved out.</summary>
    public const string RemoveOp = "remove";

    /// <summary>Every message left the queue.</summary>
    public const string PurgeOp = "purge";

    /// <summary>A FIFO queue's deduplication entry (<see cref="DeduplicationKey"/>, <see cref="Id"/>, <see cref="SequenceNumber"/>, <see cref="Until"/>).</summary>
    public const string DeduplicationOp = "dedup";

    public JournalQueueState? State { get; init; }

    public JournalMessage? Message { get; init; }

    public string? Id { get; init; }

    public string? DeduplicationKey { get; init; }

    public string? SequenceNumber { get; init; }

    public DateTimeOffset? Until { get; init; }
}

/// <summary>A queue's settings as the journal keeps them (its URL and ARN follow the emulator's endpoint and region when it starts).</summary>
internal sealed record JournalQueueState(
    Dictionary<string, string> Attributes,
    Dictionary<string, string> Tags,
    DateTimeOffset CreatedAt,
    DateTimeOffset ModifiedAt,
    long NextSequenceNumber);

/// <summary>A message with all its state, as the journal keeps it.</summary>
internal sealed record JournalMessage(
    string Id,
    string Body,
    string Md5OfBody,
    Dictionary<string, MessageAttributeValue>? Attributes,
    Dictionary<string, MessageAttributeValue>? SystemAttributes,
    int? DelaySeconds,
    string? GroupId,
    string? SentDeduplicationId,
    string? SenderTraceHeader,
    DateTimeOffset SentAt,
    long Position,
    DateTimeOffset VisibleAt,
    int ReceiveCount,
    DateTimeOffset? FirstReceivedAt,
    string? ReceiptNonce,
    string? SequenceNumber,
    string? DeduplicationId,
    string? DeadLetterSourceArn)
{
    public static JournalMessage Of(StoredMessage message) => new(
        message.MessageId,
        message.Sent.Body,
        message.Md5OfBody,
        message.Sent.Attributes.Count == 0 ? null : new(message.Sent.Attributes, StringComparer.Ordinal),
        message.Sent.SystemAttributes.Count == 0 ? null : new(message.Sent.SystemAttributes, StringComparer.Ordinal),
        message.Sent.DelaySeconds,
        message.Sent.GroupId,
        message.Sent.DeduplicationId,
        message.Sent.SenderTraceHeader,
        message.SentAt,
        message.Position,
        message.VisibleAt,
        message.ReceiveCount,
        message.FirstReceivedAt,
        message.ReceiptNonce,
        message.SequenceNumber,
        message.DeduplicationId,
        message.DeadLetterSourceArn);

    public StoredMessage ToStored() => new(
        Id,
        new OutgoingMessage(
            Body,
            Attributes ?? new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal),
            SystemAttributes ?? new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal),
            DelaySeconds, GroupId, SentDeduplicationId, SenderTraceHeader),
        Md5OfBody,
        SentAt)
    {
        Position = Position,
        VisibleAt = VisibleAt,
        ReceiveCount = ReceiveCount,
        FirstReceivedAt = FirstReceivedAt,
        ReceiptNonce = ReceiptNonce,
        SequenceNumber = SequenceNumber,
        DeduplicationId = DeduplicationId,
        DeadLetterSourceArn = DeadLetterSourceArn,
    };
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(QueueJournalEntry))]
internal sealed partial class QueueJournalJsonContext : JsonSerializerContext;
