using AppHost.Definition;
using AppHost.Emulators.EventSources;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

/// <summary>An SQS queue → function event source mapping, played by pollers; shown under its function.</summary>
public sealed class QueueEventSourceResource(QueueEventSourceDefinition definition, SqsQueueResource queue, LambdaFunctionResource parent)
    : Resource($"{parent.Name}-{definition.Queue}"), IResourceWithParent<LambdaFunctionResource>, IResourceWithWaitSupport
{
    public QueueEventSourceDefinition Definition { get; } = definition;

    public SqsQueueResource Queue { get; } = queue;

    public LambdaFunctionResource Parent { get; } = parent;

    /// <summary>The running mapping; null until started.</summary>
    public SqsEventSourceMapping? Mapping { get; internal set; }
}
