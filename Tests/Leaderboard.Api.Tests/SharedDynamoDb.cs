using AppHost.Definition;
using AppHost.Emulators;
using AppHost.Hosting;
using Amazon.DynamoDBv2;

namespace Leaderboard.Api.Tests;

/// <summary>
/// One in-memory DynamoDB Local for the whole test run, started through the same launcher the
/// AppHost uses on a free port, and stopped when the test process exits (its watchdog also stops
/// it should the process die). Each test class creates its own table.
/// </summary>
public static class SharedDynamoDb
{
    private static readonly Lazy<Task<DynamoDbLocal>> Instance = new(StartAsync);

    static SharedDynamoDb()
    {
        // DynamoDB Local accepts any credentials; the SDK's default chain reads these.
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "local");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "local");
    }

    public static Task<DynamoDbLocal> GetAsync() => Instance.Value;

    /// <summary>Creates a fresh table of the leaderboard's schema and returns its name.</summary>
    public static async Task<string> CreateTableAsync(string prefix)
    {
        var dynamoDb = await GetAsync();
        var name = $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 255)];
        using var client = dynamoDb.CreateClient();
        await TableProvisioner.EnsureTableAsync(client, LeaderboardApp.Table with { Name = name });
        return name;
    }

    public static async Task<AmazonDynamoDBClient> CreateClientAsync() => (await GetAsync()).CreateClient();

    private static async Task<DynamoDbLocal> StartAsync()
    {
        var instance = await DynamoDbLocal.StartAsync(new DynamoDbLocalOptions
        {
            Port = LoopbackPorts.PickFree(),
            Runtime = DynamoDbRuntime.Jar,
            RepositoryRoot = NodePackages.FindRepositoryRoot(AppContext.BaseDirectory),
        });
        AppDomain.CurrentDomain.ProcessExit += (_, _) => instance.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return instance;
    }
}
