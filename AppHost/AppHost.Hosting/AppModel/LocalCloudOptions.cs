namespace AppHost.Hosting.AppModel;

/// <summary>Settings of a local cloud run, from <c>appsettings.json</c> and the command line.</summary>
public sealed class LocalCloudOptions
{
    /// <summary>Ports by resource name (<c>--Ports:api-gateway=3000</c>); 0 picks a free port.</summary>
    public Dictionary<string, int> Ports { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The repository root: function projects and node_modules are found from here.</summary>
    public string RepositoryRoot { get; set; } = "";

    /// <summary>The build configuration whose function outputs run (the AppHost's own by default).</summary>
    public string Configuration { get; set; } = "Debug";

    /// <summary>Where persistent local state goes (DynamoDB data, failed batches).</summary>
    public string StateDirectory { get; set; } = "";

    /// <summary>The OTLP/HTTP endpoint every part exports telemetry to; none when empty.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>Region the functions and emulators report.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Whether the AppHost's console shows every resource's output (prefixed), like Aspire's CLI.</summary>
    public bool ForwardConsole { get; set; } = true;

    public int PortFor(string resource, int defaultPort) => Ports.TryGetValue(resource, out var port) ? port : defaultPort;
}
