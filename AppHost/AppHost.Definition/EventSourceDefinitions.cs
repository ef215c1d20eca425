namespace AppHost.Definition;

/// <summary>Where a new event source mapping starts reading a stream.</summary>
public enum StartingPosition
{
    TrimHorizon,
    Latest,
}

/// <summary>
/// A DynamoDB stream → function event source mapping, with Lambda's settings; declared in the
/// <see cref="FunctionDefinition.Streams"/> of the function it invokes.
/// </summary>
/// <param name="Table">The table whose stream is read.</param>
/// <param name="FilterPatterns">
/// Lambda's event filtering: JSON patterns a record must match (any one of them) to reach the function,
/// e.g. <c>{"dynamodb":{"NewImage":{"Type":{"S":["BoardStats"]}}}}</c>; none: every record.
/// </param>
public sealed record StreamEventSourceDefinition(
    string Table,
    int BatchSize = 100,
    int MaximumBatchingWindowSeconds = 0,
    StartingPosition StartingPosition = StartingPosition.TrimHorizon,
    int MaximumRetryAttempts = 5,
    bool BisectBatchOnFunctionError = true,
    bool ReportBatchItemFailures = true,
    IReadOnlyList<string>? FilterPatterns = null);

/// <summary>
/// An EventBridge schedule (<c>rate(...)</c> or <c>cron(...)</c>, in UTC); declared in the
/// <see cref="FunctionDefinition.Schedules"/> of the function it invokes.
/// </summary>
/// <param name="Name">The schedule's name: the local resource and the EventBridge rule.</param>
public sealed record ScheduleDefinition(string Name, string Expression);

/// <summary>
/// An SQS queue → function event source mapping, with Lambda's settings; declared in the
/// <see cref="FunctionDefinition.Queues"/> of the function it invokes.
/// </summary>
/// <param name="Queue">The queue read, by its name in <see cref="AppDefinition.Queues"/>.</param>
/// <param name="BatchSize">At most this many messages per invocation (1–10,000; above 10 needs a batching window).</param>
/// <param name="MaximumBatchingWindowSeconds">How long to gather messages before invoking with fewer than a full batch (0–300).</param>
/// <param name="MaximumConcurrency">At most this many invocations of this mapping at once (2–1,000); null: up to the function's concurrency.</param>
/// <param name="ReportBatchItemFailures">The function answers <c>batchItemFailures</c>; only those messages return to the queue.</param>
public sealed record QueueEventSourceDefinition(
    string Queue,
    int BatchSize = 10,
    int MaximumBatchingWindowSeconds = 0,
    int? MaximumConcurrency = null,
    bool ReportBatchItemFailures = true);
