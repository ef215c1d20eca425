namespace AppHost.Definition;

/// <summary>
/// An SQS queue of the app, with its dead-letter queue. Locally the SQS emulator serves it; in AWS the
/// CDK app deploys it with the same settings.
/// </summary>
/// <param name="Name">The queue's name (a FIFO queue's ends in <c>.fifo</c>); also the local resource name.</param>
/// <param name="VisibilityTimeoutSeconds">
/// How long a received message stays hidden. For a queue that invokes a function, at least six times the
/// function's timeout (AWS's advice), so a retried batch is not received twice at once.
/// </param>
/// <param name="MessageRetentionSeconds">How long a message is kept (60 s – 14 days; SQS's default is 4 days).</param>
/// <param name="ExampleMessage">A message body to send it, for the dashboard's command and the test tool's sample event.</param>
/// <param name="MaxReceiveCount">
/// Receives after which a message moves to the dead-letter queue <see cref="DeadLetterQueueName"/>; null: no
/// dead-letter queue.
/// </param>
/// <param name="Signature">How senders sign each message's body (a message attribute), when they must.</param>
public sealed record QueueDefinition(
    string Name,
    int VisibilityTimeoutSeconds = 30,
    int MessageRetentionSeconds = 345_600,
    int? MaxReceiveCount = 3,
    string? ExampleMessage = null,
    BodySignature? Signature = null)
{
    public bool IsFifo => Name.EndsWith(".fifo", StringComparison.Ordinal);

    /// <summary>The dead-letter queue's name: the queue's with <c>-dlq</c> (before <c>.fifo</c>); null without one.</summary>
    public string? DeadLetterQueueName => MaxReceiveCount is null ? null
        : IsFifo ? $"{Name[..^".fifo".Length]}-dlq.fifo" : $"{Name}-dlq";
}
