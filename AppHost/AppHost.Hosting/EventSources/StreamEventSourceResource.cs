using AppHost.Definition;
using AppHost.Emulators.EventSources;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

/// <summary>A DynamoDB stream → function event source mapping, played by a poller; shown under its function.</summary>
public sealed class StreamEventSourceResource(StreamEventSourceDefinition definition, DynamoDbTableResource table, LambdaFunctionResource parent)
    : Resource($"{parent.Name}-stream"), IResourceWithParent<LambdaFunctionResource>, IResourceWithWaitSupport
{
    public StreamEventSourceDefinition Definition { get; } = definition;

    public DynamoDbTableResource Table { get; } = table;

    public LambdaFunctionResource Parent { get; } = parent;

    /// <summary>The running poller; null until started.</summary>
    public StreamEventSourceMapping? Mapping { get; internal set; }

    /// <summary>The batches that exhausted their retries (the local on-failure destination); null until started.</summary>
    public FailedBatchStore? Failures { get; internal set; }
}
