using System.Globalization;
using System.Net;
using AppHost.Emulators;
using AppHost.Emulators.Secrets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Functions.Hosting.Tests;

/// <summary>The secrets client, registered as a function registers it, against the local Parameters and Secrets extension's server.</summary>
public sealed class ParametersSecretsClientTests : IAsyncLifetime
{
    private const string SessionToken = "environment-token";

    private readonly SecretStore _store = new();
    private ParametersSecretsServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await ParametersSecretsServer.StartAsync(_store, new Dictionary<string, string>
        {
            ["AWS_SESSION_TOKEN"] = SessionToken,
            ["AWS_REGION"] = "us-east-1",
            // Every read reaches the store, so a rotation is seen at once.
            ["SECRETS_MANAGER_TTL"] = "0",
        }, port: 0, CancellationToken.None);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task TheCurrentValueIsTheSecretString()
    {
        _store.Set("signing-key", "current value");

        var value = await Client().GetSecretStringAsync("signing-key", ParametersSecretsClient.CurrentVersion, CancellationToken.None);

        Assert.Equal("current value", value);
    }

    [Fact]
    public async Task ThePreviousValueIsReadDuringARotationAndIsNullOutsideOne()
    {
        var client = Client();
        _store.Set("rotated-key", "first");
        var beforeRotation = await client.GetSecretStringAsync("rotated-key", ParametersSecretsClient.PreviousVersion, CancellationToken.None);

        _store.Rotate("rotated-key", "second");

        Assert.Null(beforeRotation);
        Assert.Equal("second", await client.GetSecretStringAsync("rotated-key", ParametersSecretsClient.CurrentVersion, CancellationToken.None));
        Assert.Equal("first", await client.GetSecretStringAsync("rotated-key", ParametersSecretsClient.PreviousVersion, CancellationToken.None));
    }

    [Fact]
    public async Task ASecretSecretsManagerDoesNotHoldIsNull()
    {
        var value = await Client().GetSecretStringAsync("never-created", ParametersSecretsClient.CurrentVersion, CancellationToken.None);

        Assert.Null(value);
    }

    [Fact]
    public async Task ASecretIdIsSentEscaped()
    {
        _store.Set("leaderboard/match signing+key", "escaped");

        var value = await Client().GetSecretStringAsync("leaderboard/match signing+key", ParametersSecretsClient.CurrentVersion, CancellationToken.None);

        Assert.Equal("escaped", value);
    }

    [Theory]
    [InlineData("another-environment's-token")]
    [InlineData(null)]
    public async Task ATokenTheExtensionRefusesIsAnErrorNamingTheSecretAndTheStatus(string? token)
    {
        _store.Set("guarded-key", "value");

        var error = await Assert.ThrowsAsync<ParametersSecretsException>(() =>
            Client(_server.Port, token).GetSecretStringAsync("guarded-key", ParametersSecretsClient.CurrentVersion, CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Equal("guarded-key", error.SecretId);
        Assert.Contains("'guarded-key' (AWSCURRENT)", error.Message, StringComparison.Ordinal);
        Assert.Contains("401", error.Message, StringComparison.Ordinal);
        Assert.Contains(token is null ? "AWS_SESSION_TOKEN is not set" : "AWS_SESSION_TOKEN is not this environment's", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnExtensionThatDoesNotAnswerIsAnErrorNamingTheSecretAndThePort()
    {
        var port = LoopbackPorts.PickFree();

        var error = await Assert.ThrowsAsync<ParametersSecretsException>(() =>
            Client(port).GetSecretStringAsync("unreachable-key", ParametersSecretsClient.CurrentVersion, CancellationToken.None));

        Assert.Null(error.StatusCode);
        Assert.Contains("'unreachable-key' (AWSCURRENT)", error.Message, StringComparison.Ordinal);
        Assert.Contains($"did not answer on port {port}", error.Message, StringComparison.Ordinal);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public async Task AReadLogsNothingSoAFunctionCanReadOnEveryRequest()
    {
        _store.Set("quiet-key", "value");
        var categories = new CategoryRecorder();
        using var services = Services(new Dictionary<string, string?>
        {
            [ParametersSecretsOptions.PortVariable] = _server.Port.ToString(CultureInfo.InvariantCulture),
            [ParametersSecretsOptions.SessionTokenVariable] = SessionToken,
        }, logging => logging.AddProvider(categories).SetMinimumLevel(LogLevel.Trace));

        await services.GetRequiredService<ParametersSecretsClient>().GetSecretStringAsync("quiet-key", ParametersSecretsClient.CurrentVersion, CancellationToken.None);

        Assert.DoesNotContain(categories.Logged, category => category.StartsWith("System.Net.Http.HttpClient", StringComparison.Ordinal));
    }

    [Fact]
    public void ThePortIs2773WhenTheVariableIsNotSetAsInAws()
    {
        using var services = Services(new Dictionary<string, string?>());

        Assert.Equal(2773, services.GetRequiredService<IOptions<ParametersSecretsOptions>>().Value.Port);
    }

    [Fact]
    public void APortVariableThatIsNotAPortIsAnErrorNamingIt()
    {
        using var services = Services(new Dictionary<string, string?> { [ParametersSecretsOptions.PortVariable] = "http://localhost:2773" });

        var error = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<IOptions<ParametersSecretsOptions>>().Value);

        Assert.Contains("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT is 'http://localhost:2773'", error.Message, StringComparison.Ordinal);
    }

    private ParametersSecretsClient Client() => Client(_server.Port, SessionToken);

    private static ParametersSecretsClient Client(int port, string? token = SessionToken)
    {
        var services = Services(new Dictionary<string, string?>
        {
            [ParametersSecretsOptions.PortVariable] = port.ToString(CultureInfo.InvariantCulture),
            [ParametersSecretsOptions.SessionTokenVariable] = token,
        });
        return services.GetRequiredService<ParametersSecretsClient>();
    }

    private static ServiceProvider Services(Dictionary<string, string?> configuration, Action<ILoggingBuilder>? logging = null) =>
        new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build())
            .AddLogging(logging ?? (_ => { }))
            .AddParametersSecretsClient()
            .BuildServiceProvider();

    /// <summary>The categories of every log entry written.</summary>
    private sealed class CategoryRecorder : ILoggerProvider
    {
        public System.Collections.Concurrent.ConcurrentBag<string> Logged { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, Logged);

        public void Dispose()
        {
        }

        private sealed class Recorder(string category, System.Collections.Concurrent.ConcurrentBag<string> logged) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                logged.Add(category);
        }
    }
}
