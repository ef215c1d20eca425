namespace AppHost.Definition;

/// <summary>
/// A Lambda function as the app declares it: the project that builds it and the settings Lambda runs
/// it with. Locally the emulator runs the project's output; in AWS the CDK app deploys the same
/// output with the same settings.
/// </summary>
/// <param name="Name">The function name (also the local resource name).</param>
/// <param name="ProjectPath">The function's project, relative to the repository root.</param>
/// <param name="MemoryMb">Memory size in MB, as Lambda reports it to the function.</param>
/// <param name="TimeoutSeconds">How long one invocation may run.</param>
/// <param name="ReservedConcurrency">At most this many environments at once; null leaves it to the platform.</param>
/// <param name="Environment">Extra environment variables of the function.</param>
/// <param name="ProvisionedConcurrency">
/// Environments initialised ahead of traffic. Locally they start with the AppHost; in AWS an alias
/// carries them when the deployment asks for it (it costs money).
/// </param>
/// <param name="Streams">The tables' streams that invoke the function (Lambda's event source mappings).</param>
/// <param name="Schedules">The EventBridge schedules that invoke the function.</param>
/// <param name="Queues">The SQS queues whose messages invoke the function (Lambda's event source mappings).</param>
/// <param name="Layers">The layers the function runs with, in Lambda's order (a later one's files win).</param>
/// <param name="Secrets">The secrets the function reads (through a layer that serves them); each gives it its id variable.</param>
public sealed record FunctionDefinition(
    string Name,
    string ProjectPath,
    int MemoryMb = 512,
    int TimeoutSeconds = 30,
    int? ReservedConcurrency = null,
    IReadOnlyDictionary<string, string>? Environment = null,
    int? ProvisionedConcurrency = null,
    IReadOnlyList<StreamEventSourceDefinition>? Streams = null,
    IReadOnlyList<ScheduleDefinition>? Schedules = null,
    IReadOnlyList<QueueEventSourceDefinition>? Queues = null,
    IReadOnlyList<LayerDefinition>? Layers = null,
    IReadOnlyList<SecretDefinition>? Secrets = null)
{
    public IReadOnlyList<StreamEventSourceDefinition> Streams { get; init; } = Streams ?? [];

    public IReadOnlyList<ScheduleDefinition> Schedules { get; init; } = Schedules ?? [];

    public IReadOnlyList<QueueEventSourceDefinition> Queues { get; init; } = Queues ?? [];

    public IReadOnlyList<LayerDefinition> Layers { get; init; } = Layers ?? [];

    public IReadOnlyList<SecretDefinition> Secrets { get; init; } = Secrets ?? [];

    /// <summary>The assembly the project builds, named after its project file.</summary>
    public string AssemblyName => Path.GetFileNameWithoutExtension(ProjectPath);
}
