namespace AppHost.Definition;

/// <summary>
/// A Lambda layer functions run with. Its content is what Lambda extracts to <c>/opt</c>: executables
/// in <c>extensions/</c> start as external extensions beside the function's runtime. A layer is either
/// built from this repository (<see cref="ContentPath"/>: CDK deploys the folder as a layer version;
/// locally each environment gets a copy) or published by AWS (<see cref="Published"/>: CDK references
/// its ARN; locally a stand-in of ours does its work).
/// </summary>
/// <param name="Name">The layer's name: the CDK layer version's and the local one's.</param>
/// <param name="ContentPath">The folder, relative to the repository root, holding the layer's <c>/opt</c> content.</param>
/// <param name="Published">The AWS-published layer, by region, and its local stand-in.</param>
/// <param name="Environment">
/// The layer's settings, read from the function's environment: every function that runs with the layer
/// gets them, locally and in AWS (a function's own <see cref="FunctionDefinition.Environment"/> wins).
/// </param>
public sealed record LayerDefinition(string Name, string? ContentPath = null, PublishedLayer? Published = null, IReadOnlyDictionary<string, string>? Environment = null)
{
    public IReadOnlyDictionary<string, string> Environment { get; init; } = Environment ?? new Dictionary<string, string>();

    public string Name { get; init; } = !string.IsNullOrWhiteSpace(Name) ? Name
        : throw new ArgumentException("A layer needs a name.", nameof(Name));

    public string? ContentPath { get; init; } = (ContentPath is null) != (Published is null) ? ContentPath
        : throw new ArgumentException($"Layer '{Name}' needs either a ContentPath (built from this repository) or Published (an AWS-published layer), not both or neither.", nameof(ContentPath));

    /// <summary>A layer whose <c>/opt</c> content is the repository folder <paramref name="contentPath"/>.</summary>
    public static LayerDefinition FromContent(string name, string contentPath, IReadOnlyDictionary<string, string>? environment = null) =>
        new(name, ContentPath: contentPath, Environment: environment);

    /// <summary>A layer AWS publishes, replaced locally by <paramref name="published"/>'s stand-in.</summary>
    public static LayerDefinition AwsPublished(string name, PublishedLayer published, IReadOnlyDictionary<string, string>? environment = null) =>
        new(name, Published: published, Environment: environment);
}

/// <summary>What locally stands in for an AWS-published layer.</summary>
public enum LayerStandIn
{
    /// <summary>
    /// AWS's Parameters and Secrets Lambda Extension: an HTTP cache of Secrets Manager secrets and
    /// Parameter Store parameters. Locally each environment gets its own, serving the app's secrets.
    /// </summary>
    ParametersAndSecretsExtension,
}

/// <summary>
/// A layer AWS publishes: its version ARN in each region it is published to (x86_64), and the local stand-in.
/// A deployment to another region, or to a newer version, names the ARN in the CDK context
/// (<c>-c layerArn:{Name}=arn:…</c>).
/// </summary>
public sealed record PublishedLayer(IReadOnlyDictionary<string, string> ArnsByRegion, LayerStandIn StandIn);
