using AppHost.Definition;
using AppHost.Emulators.EventSources;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

/// <summary>A DynamoDB stream → function event source mapping, played by a poller; shown under its function.</summary>
public sealed class StreamEventSourceResource(StreamEventSourceDefinition definition, DynamoDbTableResource table, LambdaFunctionResource parent, SqsQueueResource onFailureQueue)
    : Resource($"{parent.Name}-stream"), IResourceWithParent<LambdaFunctionResource>, IResourceWithWaitSupport
{
    public StreamEventSourceDefinition Definition { get; } = definition;

    public DynamoDbTableResource Table { get; } = table;

    public LambdaFunctionResource Parent { get; } = parent;

    /// <summary>The running poller; null until started.</summary>
    public StreamEventSourceMapping? Mapping { get; internal set; }

    /// <summary>Where the on-failure records of batches that exhausted their retries go: a queue of the local SQS.</summary>
    public SqsQueueResource OnFailureQueue { get; } = onFailureQueue;

    /// <summary>The on-failure queue's name, the same locally and in the CDK app: <c>{table}-{function}-on-failure</c>.</summary>
    public static string OnFailureQueueName(string table, string function) => $"{table}-{function}-on-failure";
}
