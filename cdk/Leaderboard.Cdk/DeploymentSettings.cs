using System.Globalization;
using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace Leaderboard.Cdk;

/// <summary>
/// What the app definition leaves to the deployment: the identity provider, what happens to data on
/// <c>cdk destroy</c>, telemetry export, alarm notifications and where the function binaries come from.
/// Read from CDK context (<c>-c key=value</c> or <c>cdk.json</c>); every value has a default.
/// </summary>
public sealed partial record DeploymentSettings
{
    /// <summary>The environment variable that names already-published function outputs (see <see cref="FunctionAssetsDirectory"/>).</summary>
    public const string FunctionAssetsVariable = "LEADERBOARD_CDK_FUNCTION_ASSETS";

    /// <summary>The stack's name when no stage is given (the name every deploy before stages used).</summary>
    public const string DefaultStackName = "Leaderboard";

    /// <summary>The stages the pipeline deploys; a developer's own stage is <c>dev-</c> and a name.</summary>
    public static readonly IReadOnlyList<string> PipelineStages = ["dev", "prod"];

    /// <summary>
    /// The stage this deployment is (<c>dev</c>, <c>prod</c>, or a developer's own <c>dev-NAME</c>), which names
    /// the stack apart from the other stages' (<see cref="StackName"/>); none keeps the stack named <c>Leaderboard</c>.
    /// </summary>
    public string? Stage { get; init; }

    /// <summary>The CloudFormation stack's name: <c>leaderboard-{stage}</c>, or <c>Leaderboard</c> without a stage.</summary>
    public string StackName => Stage is null ? DefaultStackName : "leaderboard-" + Stage;

    /// <summary>The JWT issuer URL; without it the stack has a <c>JwtIssuer</c> parameter to set at deploy time.</summary>
    public string? JwtIssuer { get; init; }

    /// <summary>The audiences a token may carry; without them, the definition's own audience.</summary>
    public IReadOnlyList<string>? JwtAudience { get; init; }

    /// <summary>What <c>cdk destroy</c> does to the table, the log groups and the failed-record queues.</summary>
    public RemovalPolicy RemovalPolicy { get; init; } = RemovalPolicy.RETAIN;

    /// <summary>How long the functions' log groups keep their events.</summary>
    public RetentionDays LogRetention { get; init; } = RetentionDays.ONE_MONTH;

    /// <summary>An OpenTelemetry collector Lambda layer (x86_64); only with it do the functions export OTLP.</summary>
    public string? OtelCollectorLayerArn { get; init; }

    /// <summary>Where the collector layer receives OTLP over HTTP inside the execution environment.</summary>
    public Uri OtelCollectorEndpoint { get; init; } = new("http://localhost:4318");

    /// <summary>
    /// X-Ray: active tracing on every function, their OpenTelemetry sent to X-Ray by the collector
    /// layer (which it requires; the ADOT collector layer's own configuration exports traces to X-Ray).
    /// </summary>
    public bool XRayTracing { get; init; }

    /// <summary>
    /// Deploy the provisioned concurrency the definition declares: a version and an alias (<c>live</c>)
    /// carrying it, which the routes, stream mappings and schedules invoke. Off by default: it costs money.
    /// </summary>
    public bool ProvisionedConcurrency { get; init; }

    /// <summary>An SNS topic that every alarm notifies; without it the alarms only change state.</summary>
    public string? AlarmTopicArn { get; init; }

    /// <summary>
    /// A folder holding each function's published output in a sub-folder named after the function;
    /// when set, synthesis deploys those outputs instead of publishing the projects.
    /// </summary>
    public string? FunctionAssetsDirectory { get; init; }

    /// <summary>Where synthesis publishes the functions (<c>publish/</c>) and keeps their build (<c>artifacts/</c>).</summary>
    public string BuildDirectory { get; init; } = Path.GetFullPath(".build");

    /// <summary>Publish the functions ReadyToRun (precompiled), which shortens cold starts.</summary>
    public bool ReadyToRun { get; init; } = true;

    /// <summary>The settings in <paramref name="node"/>'s context; the function-assets folder may also come from the environment.</summary>
    public static DeploymentSettings FromContext(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var defaults = new DeploymentSettings();
        return new DeploymentSettings
        {
            Stage = Read(node, ContextKeys.Stage) is { } stage ? ParseStage(stage) : null,
            JwtIssuer = Read(node, ContextKeys.JwtIssuer),
            JwtAudience = Read(node, ContextKeys.JwtAudience)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
            RemovalPolicy = Read(node, ContextKeys.RemovalPolicy) is { } policy ? ParseRemovalPolicy(policy) : defaults.RemovalPolicy,
            LogRetention = Read(node, ContextKeys.LogRetention) is { } retention ? ParseRetention(retention) : defaults.LogRetention,
            OtelCollectorLayerArn = Read(node, ContextKeys.OtelCollectorLayerArn),
            OtelCollectorEndpoint = Read(node, ContextKeys.OtelCollectorEndpoint) is { } endpoint ? new Uri(endpoint) : defaults.OtelCollectorEndpoint,
            AlarmTopicArn = Read(node, ContextKeys.AlarmTopicArn),
            FunctionAssetsDirectory = Read(node, ContextKeys.FunctionAssets) ?? NonEmpty(System.Environment.GetEnvironmentVariable(FunctionAssetsVariable)),
            BuildDirectory = Read(node, ContextKeys.BuildDirectory) is { } build ? Path.GetFullPath(build) : defaults.BuildDirectory,
            ReadyToRun = Read(node, ContextKeys.ReadyToRun) is { } readyToRun ? ParseBoolean(ContextKeys.ReadyToRun, readyToRun) : defaults.ReadyToRun,
            XRayTracing = Read(node, ContextKeys.XRayTracing) is { } tracing && ParseBoolean(ContextKeys.XRayTracing, tracing),
            ProvisionedConcurrency = Read(node, ContextKeys.ProvisionedConcurrency) is { } provisioned && ParseBoolean(ContextKeys.ProvisionedConcurrency, provisioned),
        };
    }

    /// <summary>
    /// The layer version ARN that context <c>layerArn:{layerName}</c> gives for an AWS-published layer of the
    /// definition (another region, or another version, than the definition's); null when none is given.
    /// </summary>
    public static string? LayerArnFromContext(Node node, string layerName)
    {
        ArgumentNullException.ThrowIfNull(node);
        var key = ContextKeys.LayerArn(layerName);
        return Read(node, key) is not { } arn ? null
            : LayerArns.RegionOf(arn) is not null ? arn
            : throw new ArgumentException($"Context '{key}' is '{arn}'; give a layer version ARN (arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION).");
    }

    private static string? Read(Node node, string key) =>
        NonEmpty(Convert.ToString(node.TryGetContext(key), CultureInfo.InvariantCulture));

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string ParseStage(string value) =>
        PipelineStages.Contains(value, StringComparer.Ordinal) || DeveloperStage().IsMatch(value)
            ? value
            : throw new ArgumentException(
                $"Context '{ContextKeys.Stage}' is '{value}'; use 'dev' or 'prod' (the pipeline's stages), or 'dev-NAME' for a stage of your own " +
                "(NAME: 1 to 20 lower-case letters, digits or dashes, such as dev-alex).");

    /// <summary>A developer's own stage: <c>dev-</c> and a lower-case name that starts with a letter or digit.</summary>
    [GeneratedRegex("^dev-[a-z0-9][a-z0-9-]{0,19}$", RegexOptions.CultureInvariant)]
    private static partial Regex DeveloperStage();

    private static RemovalPolicy ParseRemovalPolicy(string value) => value.ToUpperInvariant() switch
    {
        "RETAIN" => RemovalPolicy.RETAIN,
        "DESTROY" => RemovalPolicy.DESTROY,
        _ => throw new ArgumentException(
            $"Context '{ContextKeys.RemovalPolicy}' is '{value}'; use 'retain' (keep the data on cdk destroy) or 'destroy'."),
    };

    private static RetentionDays ParseRetention(string value) =>
        Enum.GetNames<RetentionDays>().FirstOrDefault(name => name.Equals(value, StringComparison.OrdinalIgnoreCase)) is { } name
            ? Enum.Parse<RetentionDays>(name)
            : throw new ArgumentException(
                $"Context '{ContextKeys.LogRetention}' is '{value}'; use a CloudWatch Logs retention name such as ONE_WEEK, ONE_MONTH, ONE_YEAR or INFINITE.");

    private static bool ParseBoolean(string key, string value) =>
        bool.TryParse(value, out var result)
            ? result
            : throw new ArgumentException($"Context '{key}' is '{value}'; use true or false.");
}

/// <summary>The CDK context keys the app reads (<c>cdk deploy -c key=value</c>).</summary>
public static class ContextKeys
{
    public const string JwtIssuer = "jwtIssuer";
    public const string JwtAudience = "jwtAudience";
    public const string RemovalPolicy = "removalPolicy";
    public const string LogRetention = "logRetention";
    public const string OtelCollectorLayerArn = "otelCollectorLayerArn";
    public const string OtelCollectorEndpoint = "otelCollectorEndpoint";
    public const string AlarmTopicArn = "alarmTopicArn";
    public const string FunctionAssets = "functionAssets";
    public const string BuildDirectory = "buildDirectory";
    public const string ReadyToRun = "readyToRun";
    public const string XRayTracing = "xrayTracing";
    public const string ProvisionedConcurrency = "provisionedConcurrency";
    public const string Stage = "stage";
    public const string GitHubRepository = "githubRepository";
    public const string GitHubOidcProviderArn = "githubOidcProviderArn";

    /// <summary>The key that gives the version ARN of the AWS-published layer <paramref name="layerName"/>, in place of the definition's.</summary>
    public static string LayerArn(string layerName) => "layerArn:" + layerName;

    /// <summary>CDK's own key for a custom bootstrap qualifier (<c>cdk bootstrap --qualifier</c>), which also names the bootstrap roles.</summary>
    public const string BootstrapQualifier = "@aws-cdk/core:bootstrapQualifier";
}
