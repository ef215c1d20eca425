using AppHost.Definition;

namespace AppHost.Hosting.AppModel;

/// <summary>A table of the app definition, created (if absent) in its DynamoDB Local.</summary>
public sealed class TableResource(TableDefinition definition, DynamoDbLocalResource database) : LocalResource(definition.Name)
{
    public override string Kind => "Table";

    public TableDefinition Definition { get; } = definition;

    public DynamoDbLocalResource Database { get; } = database;

    /// <summary>The table's stream, once created.</summary>
    public string? StreamArn { get; private set; }

    public override IReadOnlyDictionary<string, string> ConnectionEnvironment => Database.ConnectionEnvironment;

    protected internal override async Task StartAsync(LocalCloudContext context, CancellationToken cancellationToken)
    {
        SetState(ResourceState.Starting);
        using var client = Database.CreateClient();
        await TableProvisioner.EnsureTableAsync(client, Definition, cancellationToken);
        StreamArn = (await client.DescribeTableAsync(Definition.Name, cancellationToken)).Table.LatestStreamArn;
        context.Log(this, $"table {Definition.Name} is active" + (StreamArn is null ? "" : $"; stream {StreamArn}"));
        SetState(ResourceState.Healthy);
    }

    protected internal override Task StopAsync()
    {
        SetState(ResourceState.Exited);
        return Task.CompletedTask;
    }
}
