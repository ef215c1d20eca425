using AppHost.Definition;
using AppHost.Emulators;
using Amazon.DynamoDBv2;

namespace AppHost.Hosting.Tests;

public class TableProvisionerTests
{
    [Fact]
    public void TheCreateRequestCarriesTheDeclaredSchema()
    {
        var request = TableProvisioner.ToCreateRequest(LeaderboardApp.Table);

        Assert.Equal("leaderboard", request.TableName);
        Assert.Equal(BillingMode.PAY_PER_REQUEST, request.BillingMode);
        Assert.Equal(["PK", "SK", "GSI1PK", "GSI1SK"], request.AttributeDefinitions.Select(attribute => attribute.AttributeName));
        Assert.Equal(["PK", "SK"], request.KeySchema.Select(key => key.AttributeName));
        var index = Assert.Single(request.GlobalSecondaryIndexes);
        Assert.Equal("GSI1", index.IndexName);
        Assert.Equal(ProjectionType.ALL, index.Projection.ProjectionType);
        Assert.Equal(StreamViewType.NEW_AND_OLD_IMAGES, request.StreamSpecification.StreamViewType);
    }

    [Fact]
    public async Task EnsuringATableTwiceLeavesOneActiveTableWithItsData()
    {
        await using var dynamoDb = await DynamoDbLocal.StartAsync(new DynamoDbLocalOptions
        {
            Port = LoopbackPorts.PickFree(),
            Runtime = DynamoDbRuntime.Jar,
            RepositoryRoot = NodePackages.FindRepositoryRoot(AppContext.BaseDirectory),
        });
        using var client = dynamoDb.CreateClient();
        var table = LeaderboardApp.Table with { Name = "idempotent" };

        await TableProvisioner.EnsureTableAsync(client, table);
        await client.PutItemAsync(table.Name, new() { ["PK"] = new() { S = "a" }, ["SK"] = new() { S = "b" } });
        await Task.WhenAll(TableProvisioner.EnsureTableAsync(client, table), TableProvisioner.EnsureTableAsync(client, table));

        var description = await client.DescribeTableAsync(table.Name);
        Assert.Equal(TableStatus.ACTIVE, description.Table.TableStatus);
        Assert.True(description.Table.StreamSpecification.StreamEnabled);
        Assert.Equal(1, (await client.ScanAsync(new() { TableName = table.Name })).Count);
    }
}
