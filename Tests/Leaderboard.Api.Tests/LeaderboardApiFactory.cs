using System.Globalization;
using AppHost.Definition;
using AppHost.Emulators.Secrets;
using Leaderboard.Core;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace Leaderboard.Api.Tests;

/// <summary>
/// The API in-process, on its own table of the shared DynamoDB Local, reading the match signing key from
/// its own Parameters and Secrets extension (the local one's server) as a function does: the extension's
/// port and session token and the secret's id in its configuration.
/// </summary>
public sealed class LeaderboardApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    /// <summary>The key the game servers of these tests sign with.</summary>
    public const string SigningKey = "api-tests-signing-key";

    private const string SessionToken = "api-tests-session-token";

    private string _endpoint = "";
    private ParametersSecretsServer? _secretsServer;
    private int _secretsPort;

    public string TableName { get; private set; } = "";

    /// <summary>Points the API at this endpoint instead of the shared DynamoDB Local.</summary>
    public string? EndpointOverride { get; init; }

    /// <summary>No extension answers on the function's port, as when it is not running.</summary>
    public bool WithoutSecretsExtension { get; init; }

    /// <summary>The secret the function reads the key from; null leaves <c>Leaderboard:MatchSigningSecretId</c> unset.</summary>
    public string? SigningSecretId { get; init; } = LeaderboardApp.MatchSigningKey.Name;

    /// <summary>The secrets the function's extension serves; the signing key is current at start, with no previous version.</summary>
    public SecretStore Secrets { get; } = new();

    public async Task InitializeAsync()
    {
        Secrets.Set(LeaderboardApp.MatchSigningKey.Name, SigningKey);
        if (WithoutSecretsExtension)
        {
            _secretsPort = AppHost.Emulators.LoopbackPorts.PickFree();
        }
        else
        {
            _secretsServer = await ParametersSecretsServer.StartAsync(Secrets, new Dictionary<string, string>
            {
                ["AWS_SESSION_TOKEN"] = SessionToken,
                ["AWS_REGION"] = "us-east-1",
                // No cache: a rotation is seen by the next request.
                ["SECRETS_MANAGER_TTL"] = "0",
            }, port: 0, CancellationToken.None);
            _secretsPort = _secretsServer.Port;
        }
        if (EndpointOverride is { } endpoint)
        {
            _endpoint = endpoint;
            TableName = "unreachable";
            return;
        }
        _endpoint = (await SharedDynamoDb.GetAsync()).Endpoint.ToString();
        TableName = await SharedDynamoDb.CreateTableAsync("api");
    }

    /// <summary>A client that signs every request with a body with <see cref="SigningKey"/>, as a game server does.</summary>
    public HttpClient CreateSigningClient() => CreateSigningClient(SigningKey);

    /// <summary>A client that signs every request with a body with <paramref name="key"/>.</summary>
    public HttpClient CreateSigningClient(string key) => CreateDefaultClient(new MatchSigningHandler(key));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AWS_ENDPOINT_URL_DYNAMODB"] = _endpoint,
            ["AWS_REGION"] = "us-east-1",
            ["Leaderboard:TableName"] = TableName,
            ["Leaderboard:BoardShards"] = "4",
            ["Leaderboard:MatchSigningSecretId"] = SigningSecretId,
            ["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"] = _secretsPort.ToString(CultureInfo.InvariantCulture),
            ["AWS_SESSION_TOKEN"] = SessionToken,
        }));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_secretsServer is not null)
        {
            await _secretsServer.DisposeAsync();
        }
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}
