using AppHost.Definition;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

/// <summary>A table of the app definition, created (when absent) in its DynamoDB Local once that is healthy.</summary>
public sealed class DynamoDbTableResource(TableDefinition definition, DynamoDbLocalResource parent)
    : Resource(definition.Name), IResourceWithParent<DynamoDbLocalResource>, IResourceWithWaitSupport
{
    private readonly TaskCompletionSource<string?> _streamArn = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TableDefinition Definition { get; } = definition;

    public DynamoDbLocalResource Parent { get; } = parent;

    /// <summary>The table's latest stream ARN (null without a stream), once the table exists.</summary>
    public Task<string?> StreamArn => _streamArn.Task;

    internal void Provisioned(string? streamArn) => _streamArn.TrySetResult(streamArn);
}
