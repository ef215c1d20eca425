using AppHost.Definition;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace AppHost.Hosting;

/// <summary>Creates a table from its declaration when absent and waits until it is active.</summary>
public static class TableProvisioner
{
    /// <summary>
    /// Idempotent: an existing table is left as it is, except that time to live is turned on when the
    /// declaration has it; returns once the table is ACTIVE.
    /// </summary>
    public static async Task EnsureTableAsync(IAmazonDynamoDB client, TableDefinition table, CancellationToken cancellationToken = default)
    {
        try
        {
            await client.CreateTableAsync(ToCreateRequest(table), cancellationToken);
        }
        catch (ResourceInUseException)
        {
            // Already there (created earlier or concurrently): nothing to do but wait for ACTIVE.
        }
        while (true)
        {
            var description = await client.DescribeTableAsync(table.Name, cancellationToken);
            if (description.Table.TableStatus == TableStatus.ACTIVE)
            {
                await EnsureTimeToLiveAsync(client, table, cancellationToken);
                return;
            }
            await Task.Delay(50, cancellationToken);
        }
    }

    private static async Task EnsureTimeToLiveAsync(IAmazonDynamoDB client, TableDefinition table, CancellationToken cancellationToken)
    {
        if (table.TimeToLiveAttribute is not { } attribute)
        {
            return;
        }
        var current = (await client.DescribeTimeToLiveAsync(table.Name, cancellationToken)).TimeToLiveDescription;
        if (current?.TimeToLiveStatus == TimeToLiveStatus.ENABLED && current.AttributeName == attribute)
        {
            return;
        }
        await client.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
        {
            TableName = table.Name,
            TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = attribute, Enabled = true },
        }, cancellationToken);
    }

    /// <summary>The CreateTable request the declaration stands for (on-demand billing).</summary>
    public static CreateTableRequest ToCreateRequest(TableDefinition table)
    {
        var request = new CreateTableRequest
        {
            TableName = table.Name,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = table.KeyFields
                .Select(attribute => new AttributeDefinition(attribute.Name, ToScalarType(attribute.Type)))
                .ToList(),
            KeySchema = KeySchema(table.PartitionKey, table.SortKey),
        };
        if (table.GlobalIndexes.Count > 0)
        {
            request.GlobalSecondaryIndexes = table.GlobalIndexes.Select(index => new GlobalSecondaryIndex
            {
                IndexName = index.Name,
                KeySchema = KeySchema(index.PartitionKey, index.SortKey),
                Projection = new Projection { ProjectionType = ProjectionType.ALL },
            }).ToList();
        }
        if (table.Stream is { } view)
        {
            request.StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = ToViewType(view) };
        }
        return request;
    }

    private static List<KeySchemaElement> KeySchema(TableKey partitionKey, TableKey? sortKey)
    {
        var schema = new List<KeySchemaElement> { new(partitionKey.Name, KeyType.HASH) };
        if (sortKey is not null)
        {
            schema.Add(new KeySchemaElement(sortKey.Name, KeyType.RANGE));
        }
        return schema;
    }

    private static ScalarAttributeType ToScalarType(KeyScalarType type) => type switch
    {
        KeyScalarType.N => ScalarAttributeType.N,
        KeyScalarType.B => ScalarAttributeType.B,
        _ => ScalarAttributeType.S,
    };

    private static StreamViewType ToViewType(StreamView view) => view switch
    {
        StreamView.KeysOnly => StreamViewType.KEYS_ONLY,
        StreamView.NewImage => StreamViewType.NEW_IMAGE,
        StreamView.OldImage => StreamViewType.OLD_IMAGE,
        _ => StreamViewType.NEW_AND_OLD_IMAGES,
    };
}
