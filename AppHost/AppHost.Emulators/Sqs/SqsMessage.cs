namespace AppHost.Emulators.Sqs;

/// <summary>A message as a producer sends it, before the queue accepts it.</summary>
/// <param name="SenderTraceHeader">The sending request's trace (X-Ray form): delivered as <c>AWSTraceHeader</c> unless the message sets that itself.</param>
public sealed record OutgoingMessage(
    string Body,
    IReadOnlyDictionary<string, MessageAttributeValue> Attributes,
    IReadOnlyDictionary<string, MessageAttributeValue> SystemAttributes,
    int? DelaySeconds = null,
    string? GroupId = null,
    string? DeduplicationId = null,
    string? SenderTraceHeader = null);

/// <summary>What SendMessage answers: the id and the digests the client checks (and a FIFO queue's sequence number).</summary>
public sealed record SentMessage(string MessageId, string Md5OfBody, string? Md5OfAttributes, string? Md5OfSystemAttributes, string? SequenceNumber);

/// <summary>
/// A message as one receive delivered it: its receipt handle for this receive, and every system attribute
/// it has (<c>SentTimestamp</c>, <c>ApproximateReceiveCount</c>, ...), for the caller to pick from.
/// </summary>
public sealed record DeliveredMessage(
    string MessageId,
    string ReceiptHandle,
    string Body,
    string Md5OfBody,
    IReadOnlyDictionary<string, MessageAttributeValue> Attributes,
    IReadOnlyDictionary<string, string> SystemAttributes);

/// <summary>A stored message and its delivery state; the owning queue's lock guards every mutable member.</summary>
internal sealed class StoredMessage(string messageId, OutgoingMessage sent, string md5OfBody, DateTimeOffset sentAt)
{
    public string MessageId { get; } = messageId;

    public OutgoingMessage Sent { get; } = sent;

    public string Md5OfBody { get; } = md5OfBody;

    /// <summary>The first enqueue: retention counts from here, even after a move to a dead-letter queue.</summary>
    public DateTimeOffset SentAt { get; } = sentAt;

    /// <summary>The message's place in its queue's order (send order; FIFO delivery follows it).</summary>
    public long Position { get; set; }

    /// <summary>The message's node in its queue's list while it is in one.</summary>
    public LinkedListNode<StoredMessage>? Node { get; set; }

    /// <summary>Until then the message is delayed (never received) or in flight (received).</summary>
    public DateTimeOffset VisibleAt { get; set; }

    public int ReceiveCount { get; set; }

    public DateTimeOffset? FirstReceivedAt { get; set; }

    /// <summary>The nonce of the latest receive's receipt handle; null while never received in this queue.</summary>
    public string? ReceiptNonce { get; set; }

    public string? SequenceNumber { get; set; }

    public string? DeduplicationId { get; set; }

    /// <summary>The queue a dead-lettered message came from.</summary>
    public string? DeadLetterSourceArn { get; set; }

    public bool IsReceived => ReceiptNonce is not null;
}
