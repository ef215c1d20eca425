using Amazon;
using Amazon.DynamoDBv2;
using Functions.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Leaderboard.Core;

/// <summary>Registers the leaderboard data layer.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Adds the DynamoDB client (one per process), the repositories, match submission and the aggregation service,
    /// validates <see cref="LeaderboardOptions"/> at start, and primes the client in Lambda's init phase
    /// (<see cref="DataStorePriming"/>). The endpoint and region come from the
    /// standard AWS settings (<c>AWS_ENDPOINT_URL_DYNAMODB</c>, <c>AWS_REGION</c>) when present.
    /// </summary>
    public static IHostApplicationBuilder AddLeaderboardData(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LeaderboardOptions>()
            .BindConfiguration(LeaderboardOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IAmazonDynamoDB>(services =>
            new AmazonDynamoDBClient(CreateClientConfig(services.GetRequiredService<IConfiguration>())));
        builder.Services.AddSingleton<PlayerRepository>();
        builder.Services.AddSingleton<MatchRepository>();
        builder.Services.AddSingleton<StandingsRepository>();
        builder.Services.AddSingleton<MatchSubmissions>();
        builder.Services.AddSingleton<MatchAggregator>();
        builder.Services.AddHostedService<DataStorePriming>();
        return builder;
    }

    /// <summary>
    /// Adds the check of match result signatures (<see cref="MatchSignatureVerifier"/>, one per request or
    /// invocation) for a function that accepts match results, reading the key through the Parameters and
    /// Secrets extension (<see cref="ParametersSecretsClient"/>). <see cref="MatchSigningOptions"/> is
    /// validated at start: a function without <c>Leaderboard:MatchSigningSecretId</c> does not start.
    /// </summary>
    public static IHostApplicationBuilder AddMatchSignatures(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MatchSigningOptions>()
            .BindConfiguration(LeaderboardOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddParametersSecretsClient();
        builder.Services.AddScoped<MatchSignatureVerifier>();
        return builder;
    }

    private static AmazonDynamoDBConfig CreateClientConfig(IConfiguration configuration)
    {
        var config = new AmazonDynamoDBConfig
        {
            Timeout = TimeSpan.FromSeconds(10),
            MaxErrorRetry = 2,
        };
        var region = configuration["AWS_REGION"];
        if (!string.IsNullOrEmpty(region))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        if (configuration["AWS_ENDPOINT_URL_DYNAMODB"] is { Length: > 0 } endpoint)
        {
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = string.IsNullOrEmpty(region) ? "us-east-1" : region;
        }
        return config;
    }
}
