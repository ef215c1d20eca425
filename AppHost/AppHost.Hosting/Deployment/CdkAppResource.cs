using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting.Deployment;

/// <summary>
/// A CDK app (a folder with <c>cdk.json</c>) that <c>aspire publish</c> synthesizes and
/// <c>aspire deploy</c> deploys. It exists only in publish mode: nothing runs it locally.
/// </summary>
public sealed class CdkAppResource(string name, string appDirectory, CdkDeploymentOptions options) : Resource(name)
{
    /// <summary>The folder with the app's <c>cdk.json</c>, where the CDK CLI runs.</summary>
    public string AppDirectory { get; } = appDirectory;

    public CdkDeploymentOptions Options { get; } = options;
}
