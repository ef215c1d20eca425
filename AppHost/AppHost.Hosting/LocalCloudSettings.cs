using Microsoft.Extensions.Configuration;

namespace AppHost.Hosting;

/// <summary>
/// The AppHost's settings for the local cloud, from its configuration (appsettings.json, environment,
/// command line): <c>Ports:{resource}</c>, <c>Region</c>, <c>StateDirectory</c>, <c>OtlpEndpoint</c>.
/// </summary>
internal sealed class LocalCloudSettings
{
    private readonly IConfiguration _configuration;

    public LocalCloudSettings(IConfiguration configuration)
    {
        _configuration = configuration;
        RepositoryRoot = configuration["RepositoryRoot"] is { Length: > 0 } root ? root : NodePackages.FindRepositoryRoot(AppContext.BaseDirectory);
        StateDirectory = configuration["StateDirectory"] is { Length: > 0 } state ? state : Path.Combine(RepositoryRoot, ".localcloud");
        Region = configuration["Region"] is { Length: > 0 } region ? region : "us-east-1";
    }

    /// <summary>The folder with <c>package.json</c> and the function projects.</summary>
    public string RepositoryRoot { get; }

    /// <summary>Where local state lives between runs (git-ignored): DynamoDB data, failed batches.</summary>
    public string StateDirectory { get; }

    public string Region { get; }

    /// <summary>True when the Aspire dashboard runs and takes OTLP (not in tests, which turn it off).</summary>
    public bool DashboardReceivesTelemetry(IServiceProvider services) =>
        services.GetService(typeof(Aspire.Hosting.DistributedApplicationOptions)) is not Aspire.Hosting.DistributedApplicationOptions { DisableDashboard: true }
        && !string.IsNullOrEmpty(_configuration["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] ?? _configuration["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"]);

    /// <summary>The dashboard's address (its launch profile's <c>applicationUrl</c>), when it runs; for links to traces.</summary>
    public Uri? DashboardUrl(IServiceProvider services) =>
        DashboardReceivesTelemetry(services) && _configuration["ASPNETCORE_URLS"]?.Split(';', StringSplitOptions.RemoveEmptyEntries) is [var first, ..]
            && Uri.TryCreate(first, UriKind.Absolute, out var url)
            ? url
            : null;

    /// <summary>
    /// An OTLP/HTTP endpoint that receives the functions' and emulators' telemetry instead of the
    /// dashboard (a collector, or a test's receiver); null when the dashboard receives it.
    /// </summary>
    public string? OtlpEndpoint => _configuration["OtlpEndpoint"] is { Length: > 0 } endpoint ? endpoint : null;

    public IConfiguration Configuration => _configuration;

    /// <summary>The port of a resource: <c>Ports:{resource}</c>, else the default; 0 picks a free one.</summary>
    public int PortFor(string resource, int defaultPort) => _configuration.GetValue<int?>($"Ports:{resource}") ?? defaultPort;
}
