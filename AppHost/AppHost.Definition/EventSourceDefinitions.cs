namespace AppHost.Definition;

/// <summary>Where a new event source mapping starts reading a stream.</summary>
public enum StartingPosition
{
    TrimHorizon,
    Latest,
}

/// <summary>A DynamoDB stream → function event source mapping, with Lambda's settings.</summary>
/// <param name="FilterPatterns">
/// Lambda's event filtering: JSON patterns a record must match (any one of them) to reach the function,
/// e.g. <c>{"dynamodb":{"NewImage":{"Type":{"S":["BoardStats"]}}}}</c>; none: every record.
/// </param>
public sealed record StreamEventSourceDefinition(
    string Table,
    string Function,
    int BatchSize = 100,
    int MaximumBatchingWindowSeconds = 0,
    StartingPosition StartingPosition = StartingPosition.TrimHorizon,
    int MaximumRetryAttempts = 5,
    bool BisectBatchOnFunctionError = true,
    bool ReportBatchItemFailures = true,
    IReadOnlyList<string>? FilterPatterns = null);

/// <summary>An EventBridge schedule (<c>rate(...)</c> or <c>cron(...)</c>) that invokes a function.</summary>
public sealed record ScheduleDefinition(string Name, string Expression, string Function);

/// <summary>The whole app: what the local cloud runs and the CDK app deploys.</summary>
public sealed record AppDefinition(
    IReadOnlyList<TableDefinition> Tables,
    IReadOnlyList<FunctionDefinition> Functions,
    IReadOnlyList<HttpApiDefinition> Apis,
    IReadOnlyList<StreamEventSourceDefinition> StreamEventSources,
    IReadOnlyList<ScheduleDefinition> Schedules,
    IReadOnlyList<WebSocketApiDefinition> WebSocketApis,
    IReadOnlyList<StaticSiteDefinition> Sites)
{
    public FunctionDefinition Function(string name) => Functions.Single(function => function.Name == name);

    public TableDefinition Table(string name) => Tables.Single(table => table.Name == name);
}
