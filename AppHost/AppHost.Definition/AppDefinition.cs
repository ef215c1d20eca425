namespace AppHost.Definition;

/// <summary>
/// The whole app: what the local cloud runs and the CDK app deploys. Each function carries its own
/// stream and queue event sources and schedules; the APIs name the functions their routes invoke.
/// </summary>
public sealed record AppDefinition(
    IReadOnlyList<TableDefinition> Tables,
    IReadOnlyList<FunctionDefinition> Functions,
    IReadOnlyList<HttpApiDefinition> HttpApis,
    IReadOnlyList<WebSocketApiDefinition> WebSocketApis,
    IReadOnlyList<StaticSiteDefinition> Sites,
    IReadOnlyList<QueueDefinition>? Queues = null)
{
    public IReadOnlyList<QueueDefinition> Queues { get; init; } = Queues ?? [];

    /// <summary>Every layer some function runs with, once each.</summary>
    public IReadOnlyList<LayerDefinition> Layers => Functions.SelectMany(function => function.Layers).Distinct().ToList();

    /// <summary>Every secret some function reads, once each.</summary>
    public IReadOnlyList<SecretDefinition> Secrets => Functions.SelectMany(function => function.Secrets).Distinct().ToList();

    public QueueDefinition Queue(string name) => Queues.Single(queue => queue.Name == name);

    public FunctionDefinition Function(string name) => Functions.Single(function => function.Name == name);

    public TableDefinition Table(string name) => Tables.Single(table => table.Name == name);
}
