using Leaderboard.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LeaderboardBench;

/// <summary>
/// The data layer exactly as the API registers it (<c>AddLeaderboardData</c>: same client settings,
/// repositories and aggregator), pointed at the benchmark's DynamoDB Local.
/// </summary>
internal static class LeaderboardData
{
    public static async Task<IHost> StartAsync(BenchSettings settings)
    {
        // DynamoDB Local accepts any credentials; the AppHost gives the API the same placeholders.
        foreach (var name in new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY" })
        {
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)))
            {
                Environment.SetEnvironmentVariable(name, "local");
            }
        }
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AWS_ENDPOINT_URL_DYNAMODB"] = settings.DynamoDbUrl,
            ["AWS_REGION"] = "us-east-1",
            [$"{LeaderboardOptions.SectionName}:{nameof(LeaderboardOptions.TableName)}"] = settings.Table,
            [$"{LeaderboardOptions.SectionName}:{nameof(LeaderboardOptions.BoardShards)}"] = settings.Values["shards"] ?? "4",
        });
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.AddLeaderboardData();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
