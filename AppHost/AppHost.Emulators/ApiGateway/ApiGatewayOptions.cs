namespace AppHost.Emulators.ApiGateway;

/// <summary>Settings of the API Gateway emulator.</summary>
public sealed class ApiGatewayOptions
{
    /// <summary>The loopback port (3000, as <c>sam local start-api</c>); 0 picks a free one.</summary>
    public int Port { get; set; } = 3000;

    /// <summary>How long the gateway waits for a function (API Gateway's default and maximum: 30 s).</summary>
    public TimeSpan IntegrationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest request body (API Gateway: 10 MB).</summary>
    public long MaxRequestBodyBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>API keys that routes requiring one accept (REST APIs).</summary>
    public IReadOnlyList<string> ApiKeys { get; set; } = [];

    /// <summary>The secrets that sign the sample requests of routes whose callers sign their bodies.</summary>
    public Secrets.SecretStore? Secrets { get; set; }
}
