namespace AppHost.Hosting.Deployment;

/// <summary>How the CDK app is synthesized and deployed, bound from the AppHost's <c>Cdk</c> section.</summary>
public sealed class CdkDeploymentOptions
{
    public const string SectionName = "Cdk";

    /// <summary>The stage passed to the app as <c>-c stage=…</c>.</summary>
    public string Stage { get; set; } = "dev";

    /// <summary>More context for the app, each passed as <c>-c key=value</c> (<c>Cdk:Context:jwtIssuer=…</c>).</summary>
    public Dictionary<string, string> Context { get; set; } = [];

    /// <summary>The <c>npx</c> that runs the CDK CLI the root <c>npm ci</c> installs; by default the one on PATH.</summary>
    public string Npx { get; set; } = OperatingSystem.IsWindows() ? "npx.cmd" : "npx";

    /// <summary>The arguments every CDK command gets: the stage, then the context.</summary>
    public IEnumerable<string> ContextArguments() =>
        new[] { $"stage={Stage}" }.Concat(Context.Select(entry => $"{entry.Key}={entry.Value}"))
            .SelectMany(value => new[] { "-c", value });
}
