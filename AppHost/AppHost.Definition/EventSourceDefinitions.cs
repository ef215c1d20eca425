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
