using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace Leaderboard.Api.Tests;

/// <summary>The API in-process, on its own table of the shared DynamoDB Local.</summary>
public sealed class LeaderboardApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    private string _endpoint = "";

    public string TableName { get; private set; } = "";

    /// <summary>Points the API at this endpoint instead of the shared DynamoDB Local.</summary>
    public string? EndpointOverride { get; init; }

    public async Task InitializeAsync()
    {
        if (EndpointOverride is { } endpoint)
        {
            _endpoint = endpoint;
            TableName = "unreachable";
            return;
        }
        _endpoint = (await SharedDynamoDb.GetAsync()).Endpoint.ToString();
        TableName = await SharedDynamoDb.CreateTableAsync("api");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AWS_ENDPOINT_URL_DYNAMODB"] = _endpoint,
            ["AWS_REGION"] = "us-east-1",
            ["Leaderboard:TableName"] = TableName,
            ["Leaderboard:BoardShards"] = "4",
        }));
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}
