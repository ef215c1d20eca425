using AppHost.Definition;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

/// <summary>A queue of the app definition (and its dead-letter queue), created in the local SQS when it starts; shown under it.</summary>
public sealed class SqsQueueResource(QueueDefinition definition, SqsEmulatorResource parent)
    : Resource(definition.Name), IResourceWithParent<SqsEmulatorResource>, IResourceWithWaitSupport
{
    public QueueDefinition Definition { get; } = definition;

    public SqsEmulatorResource Parent { get; } = parent;

    public string Url => $"{Parent.Endpoint}/{Emulators.Sqs.SqsOptions.AccountId}/{Definition.Name}";

    /// <summary>The queue's ARN in the local cloud's region; set when the queue is created.</summary>
    public string? Arn { get; internal set; }

    /// <summary>The dead-letter queue's ARN; null without one, or until the queue is created.</summary>
    public string? DeadLetterQueueArn { get; internal set; }
}
