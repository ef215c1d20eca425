using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using AppHost.Definition;
using Constructs;
using Leaderboard.Cdk;

// The jsii runtime behind the CDK serves one caller at a time; test classes synthesize one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Cdk.Tests;

/// <summary>
/// A <see cref="LeaderboardStack"/> synthesized in this process into a temporary cloud assembly, with
/// its template for <c>Amazon.CDK.Assertions</c> and as JSON to walk. Unless told to publish, the
/// functions' outputs are tiny stand-ins, so no <c>dotnet publish</c> runs.
/// </summary>
public sealed class Synthesis : IDisposable
{
    /// <summary>The stack's name without a <c>stage</c>, which deployments before stages have.</summary>
    public const string StackId = "Leaderboard";

    private Synthesis(string directory, LeaderboardStack stack, string assemblyDirectory)
    {
        Directory = directory;
        Stack = stack;
        AssemblyDirectory = assemblyDirectory;
        Template = Template.FromStack(stack);
        Json = JsonNode.Parse(File.ReadAllText(Path.Combine(assemblyDirectory, stack.TemplateFile)))!.AsObject();
    }

    /// <summary>The temporary folder that holds the cloud assembly and the stand-in outputs.</summary>
    public string Directory { get; }

    public LeaderboardStack Stack { get; }

    /// <summary>The cloud assembly (what <c>cdk synth</c> writes to <c>cdk.out</c>).</summary>
    public string AssemblyDirectory { get; }

    public Template Template { get; }

    /// <summary>The synthesized template file.</summary>
    public JsonObject Json { get; }

    /// <summary>
    /// Synthesizes <paramref name="definition"/> with <paramref name="context"/>, for any region (as the CDK
    /// app does) or for <paramref name="region"/>. With <paramref name="buildDirectory"/>, the functions are
    /// published there for real; with neither it nor a <c>functionAssets</c> context value, stand-ins take
    /// the place of their outputs.
    /// </summary>
    public static Synthesis Create(AppDefinition definition, IDictionary<string, object>? context = null, string? buildDirectory = null, string? region = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "cdk-tests-" + Guid.NewGuid().ToString("N"));
        var fullContext = CdkJsonContext();
        foreach (var (key, value) in context ?? new Dictionary<string, object>())
        {
            fullContext[key] = value;
        }
        if (buildDirectory is null && !fullContext.ContainsKey(ContextKeys.FunctionAssets))
        {
            fullContext[ContextKeys.FunctionAssets] = WriteStandInOutputs(definition, Path.Combine(directory, "functions"));
        }
        if (buildDirectory is not null)
        {
            fullContext[ContextKeys.BuildDirectory] = buildDirectory;
        }
        try
        {
            var app = new App(new AppProps { Outdir = Path.Combine(directory, "cdk.out"), Context = fullContext });
            var settings = DeploymentSettings.FromContext(app.Node);
            // Named as Program.cs names it: by the stage, or StackId without one.
            var stack = new LeaderboardStack(app, settings.StackName, new LeaderboardStackProps
            {
                Definition = definition,
                Settings = settings,
                Env = region is null ? null : new Amazon.CDK.Environment { Region = region },
            });
            return new Synthesis(directory, stack, app.Synth().Directory);
        }
        catch
        {
            DeleteDirectory(directory);
            throw;
        }
    }

    /// <summary>The template's resources of one type, by logical id.</summary>
    public IReadOnlyDictionary<string, JsonObject> Resources(string type) =>
        Json["Resources"]!.AsObject()
            .Where(resource => (string?)resource.Value!["Type"] == type)
            .ToDictionary(resource => resource.Key, resource => resource.Value!.AsObject());

    /// <summary>The template's resources of one type that belong to the API with this logical id (their <c>ApiId</c>), by logical id.</summary>
    public IReadOnlyDictionary<string, JsonObject> ResourcesOfApi(string type, string api) =>
        Resources(type)
            .Where(resource => Intrinsics.Ref(resource.Value["Properties"]!["ApiId"]) == api)
            .ToDictionary(resource => resource.Key, resource => resource.Value);

    /// <summary>
    /// The functions that CDK's <c>BucketDeployment</c> runs to copy the sites' files into their buckets
    /// (one for the whole stack), by logical id: the only functions the definition does not declare.
    /// </summary>
    public IReadOnlySet<string> SiteDeploymentHandlers() =>
        Resources("Custom::CDKBucketDeployment").Values
            .Select(deployment => Intrinsics.GetAtt(deployment["Properties"]!["ServiceToken"], "Arn")!)
            .ToHashSet();

    /// <summary>The folder in the cloud assembly that an asset with this S3 key (<c>{hash}.zip</c>) is zipped from.</summary>
    public string AssetDirectory(string s3Key) => Path.Combine(AssemblyDirectory, "asset." + Path.GetFileNameWithoutExtension(s3Key));

    /// <summary>The properties of the one resource with this logical id.</summary>
    public JsonObject Properties(string logicalId) => Json["Resources"]![logicalId]!["Properties"]!.AsObject();

    /// <summary>A function's layers, in the template's order; none when it has no layer.</summary>
    public IReadOnlyList<JsonNode?> LayersOf(string function) =>
        Properties(LogicalId(Stack.Functions[function]))["Layers"] is JsonArray layers ? [.. layers] : [];

    /// <summary>The ARNs of a region mapping of a published layer, by region.</summary>
    public IReadOnlyDictionary<string, string> LayerArnsIn(string mapping) =>
        Json["Mappings"]![mapping]!.AsObject().ToDictionary(region => region.Key, region => (string)region.Value![LayerArns.MappingKey]!);

    /// <summary>
    /// What a function's layers hold for <paramref name="layer"/> in a stack for any region, without an ARN
    /// from context: a reference to its layer version (a repository folder), or the look-up by
    /// <c>AWS::Region</c> in the one mapping that holds exactly the definition's ARNs (a published layer).
    /// </summary>
    public JsonNode LayerEntry(LayerDefinition layer)
    {
        if (layer.ContentPath is not null)
        {
            return new JsonObject { ["Ref"] = LogicalId(Stack.Layers[layer.Name]) };
        }
        var mapping = Assert.Single(
            Json["Mappings"]?.AsObject() ?? [],
            candidate => LayerArnsIn(candidate.Key).OrderBy(arn => arn.Key, StringComparer.Ordinal)
                .SequenceEqual(layer.Published!.ArnsByRegion.OrderBy(arn => arn.Key, StringComparer.Ordinal))).Key;
        return new JsonObject { ["Fn::FindInMap"] = new JsonArray(mapping, new JsonObject { ["Ref"] = "AWS::Region" }, LayerArns.MappingKey) };
    }

    /// <summary>The logical id of an L2 construct's CloudFormation resource.</summary>
    public string LogicalId(IConstruct construct) => Stack.GetLogicalId((CfnElement)construct.Node.DefaultChild!);

    public void Dispose() => DeleteDirectory(Directory);

    private static void DeleteDirectory(string directory)
    {
        if (System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The repository's <c>cdk/</c> folder.</summary>
    public static DirectoryInfo CdkDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var cdk = new DirectoryInfo(Path.Combine(directory.FullName, "cdk"));
            if (File.Exists(Path.Combine(cdk.FullName, "cdk.json")))
            {
                return cdk;
            }
        }
        throw new InvalidOperationException($"No cdk/cdk.json above {AppContext.BaseDirectory}.");
    }

    /// <summary>The context of <c>cdk/cdk.json</c> (the feature flags), so tests synthesize what the CLI does.</summary>
    private static Dictionary<string, object> CdkJsonContext()
    {
        var cdkJson = JsonNode.Parse(File.ReadAllText(Path.Combine(CdkDirectory().FullName, "cdk.json")))!;
        return (cdkJson["context"]?.AsObject() ?? []).ToDictionary(entry => entry.Key, entry => ToContextValue(entry.Value));
    }

    private static object ToContextValue(JsonNode? node) => node switch
    {
        JsonArray array => array.Select(ToContextValue).ToArray(),
        JsonValue value when value.TryGetValue<bool>(out var flag) => flag,
        JsonValue value when value.TryGetValue<double>(out var number) => number,
        _ => node?.ToString() ?? string.Empty,
    };

    /// <summary>A few bytes per function where its published output would be: enough for synthesis, far from a publish.</summary>
    private static string WriteStandInOutputs(AppDefinition definition, string root)
    {
        foreach (var function in definition.Functions)
        {
            var output = System.IO.Directory.CreateDirectory(Path.Combine(root, function.Name)).FullName;
            File.WriteAllText(Path.Combine(output, function.AssemblyName + ".dll"), "stand-in for " + function.Name);
            File.WriteAllText(Path.Combine(output, function.AssemblyName + ".runtimeconfig.json"), "{}");
        }
        return root;
    }
}

/// <summary>What CloudFormation intrinsic functions in a template point at.</summary>
public static class Intrinsics
{
    /// <summary>The logical id in <c>{"Ref": id}</c>.</summary>
    public static string? Ref(JsonNode? node) => node is JsonObject intrinsic ? (string?)intrinsic["Ref"] : null;

    /// <summary>The logical id in <c>{"Fn::GetAtt": [id, attribute]}</c>.</summary>
    public static string? GetAtt(JsonNode? node, string attribute) =>
        node is JsonObject intrinsic && intrinsic["Fn::GetAtt"] is JsonArray { Count: 2 } getAtt && (string?)getAtt[1] == attribute
            ? (string?)getAtt[0]
            : null;

    /// <summary>The parts of <c>{"Fn::Join": ["", parts]}</c>; none when the node is no join.</summary>
    public static IReadOnlyList<JsonNode?> JoinParts(JsonNode? node) =>
        node is JsonObject intrinsic && intrinsic["Fn::Join"] is JsonArray { Count: 2 } join && join[1] is JsonArray parts ? [.. parts] : [];

    /// <summary>
    /// A joined or substituted value written out, each reference as <c>${id}</c> and each attribute as
    /// <c>${id.attribute}</c> (as <c>Fn::Sub</c> writes them): <c>https://${api}.execute-api.${AWS::Region}...</c>,
    /// to compare with what it should say.
    /// </summary>
    public static string Render(JsonNode? node) => node switch
    {
        JsonValue value => (string)value!,
        JsonObject intrinsic when intrinsic["Fn::Sub"] is JsonValue template => (string)template!,
        JsonObject when Ref(node) is { } id => "${" + id + "}",
        JsonObject intrinsic when intrinsic["Fn::GetAtt"] is JsonArray { Count: 2 } getAtt => "${" + (string?)getAtt[0] + "." + (string?)getAtt[1] + "}",
        JsonObject when JoinParts(node) is { Count: > 0 } parts => string.Concat(parts.Select(Render)),
        _ => throw new ArgumentException($"Not a string, reference, attribute, join or substitution: {node?.ToJsonString()}", nameof(node)),
    };

    /// <summary>The strings of a JSON array.</summary>
    public static IReadOnlyList<string> Strings(JsonNode? node) =>
        node is JsonArray array ? [.. array.Select(item => (string)item!)] : node is null ? [] : [(string)node!];
}

/// <summary>The sample app as the CDK app deploys it by default, with stand-in function outputs.</summary>
public sealed class LeaderboardStackFixture : IDisposable
{
    public Synthesis Synthesized { get; } = Synthesis.Create(LeaderboardApp.Definition);

    public void Dispose() => Synthesized.Dispose();
}
