using System.Text.Json.Nodes;
using AppHost.Definition;
using Leaderboard.Cdk;

namespace Cdk.Tests;

/// <summary>
/// The definition's layers and secrets on AWS: a published layer's ARN for the stack's region (from context,
/// the definition, or a region mapping), a repository folder as one layer version, the layers' settings, and
/// secrets with generated values read by exactly the functions that list them. What cannot work is refused.
/// </summary>
public sealed class LayerAndSecretTests
{
    private static readonly LayerDefinition Extension = LeaderboardApp.ParametersAndSecretsExtension;

    private static readonly string ExtensionContextKey = ContextKeys.LayerArn(Extension.Name);

    /// <summary>A layer version ARN of a region the definition gives no ARN for, as a deployment would name it.</summary>
    private const string ContextArn = "arn:aws:lambda:eu-west-3:780235371811:layer:AWS-Parameters-and-Secrets-Lambda-Extension:3";

    [Fact]
    public void TheExtensionsArnsAreOfOneVersionForX86AndEachOfItsOwnRegion()
    {
        var arns = Extension.Published!.ArnsByRegion;

        Assert.NotEmpty(arns);
        Assert.All(arns, arn => Assert.Equal(arn.Key, LayerArns.RegionOf(arn.Value)));
        Assert.Single(arns.Values.Select(arn => arn.Split(':')[^2]).Distinct());
        Assert.Single(arns.Values.Select(arn => arn.Split(':')[^1]).Distinct());
        Assert.DoesNotContain(arns.Values, arn => arn.Contains("Arm64", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void InAStackOfOneRegionAPublishedLayerIsTheDefinitionsArnForThatRegionWithoutAMapping()
    {
        var (region, arn) = Extension.Published!.ArnsByRegion.First();
        using var synthesis = Synthesis.Create(LeaderboardApp.Definition, region: region);

        foreach (var function in ReadersOf(Extension))
        {
            Assert.Equal([arn], synthesis.LayersOf(function.Name).Select(layer => (string?)layer));
        }
        Assert.Null(synthesis.Json["Mappings"]);
    }

    [Fact]
    public void AStackOfARegionTheDefinitionHasNoArnForIsRefusedNamingTheRegionTheLayerAndTheContextKey()
    {
        const string Region = "il-central-1";
        Assert.DoesNotContain(Region, Extension.Published!.ArnsByRegion.Keys);

        var failure = Refused<InvalidOperationException>(LeaderboardApp.Definition, region: Region);

        Assert.Contains($"Layer '{Extension.Name}' has no ARN for region {Region}", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"-c {ExtensionContextKey}=arn:aws:lambda:{Region}:", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnArnFromContextWinsInAStackForAnyRegionAndInAStackOfItsRegion()
    {
        var context = new Dictionary<string, object> { [ExtensionContextKey] = ContextArn };
        using var anyRegion = Synthesis.Create(LeaderboardApp.Definition, context);
        using var ofItsRegion = Synthesis.Create(LeaderboardApp.Definition, context, region: LayerArns.RegionOf(ContextArn));

        foreach (var synthesis in new[] { anyRegion, ofItsRegion })
        {
            foreach (var function in ReadersOf(Extension))
            {
                Assert.Equal([ContextArn], synthesis.LayersOf(function.Name).Select(layer => (string?)layer));
            }
            Assert.Null(synthesis.Json["Mappings"]);
        }
    }

    [Fact]
    public void ALayerFromARepositoryFolderIsOneLayerVersionOfItsFilesSharedByItsFunctionsInTheirOrder()
    {
        using var folder = new TemporaryLayerFolder();
        var probe = LayerDefinition.FromContent("probe", folder.ContentPath);
        var definition = WithFunctions(
            LeaderboardApp.Api with { Layers = [Extension, probe] },
            LeaderboardApp.Processor with { Layers = [probe] });

        using var synthesis = Synthesis.Create(definition);

        // The one layer version besides those of CDK's site deployment (its AWS CLI).
        var id = synthesis.LogicalId(synthesis.Stack.Layers[probe.Name]);
        Assert.Equal(definition.Sites.Count + 1, synthesis.Resources("AWS::Lambda::LayerVersion").Count);
        var properties = synthesis.Properties(id);
        Assert.Equal(["x86_64"], Intrinsics.Strings(properties["CompatibleArchitectures"]));
        Assert.Equal($"{probe.Name} ({folder.ContentPath})", (string?)properties["Description"]);
        Assert.Equal(TemporaryLayerFolder.Files(folder.FullPath), TemporaryLayerFolder.Files(synthesis.AssetDirectory((string)properties["Content"]!["S3Key"]!)));
        foreach (var function in definition.Functions)
        {
            Assert.Equal(function.Layers.Count, synthesis.LayersOf(function.Name).Count);
            Assert.All(function.Layers.Zip(synthesis.LayersOf(function.Name)), pair => Assert.True(JsonNode.DeepEquals(synthesis.LayerEntry(pair.First), pair.Second)));
        }
        Assert.Equal([id], synthesis.LayersOf(LeaderboardApp.Names.Processor).Select(Intrinsics.Ref));
    }

    [Fact]
    public void ALayerWhoseFolderIsMissingIsRefusedNamingTheLayerAndThePath()
    {
        var missing = LayerDefinition.FromContent("probe", "Layers/no-such-layer");

        var failure = Refused<InvalidOperationException>(WithFunctions(LeaderboardApp.Processor with { Layers = [missing] }));

        Assert.Contains("Layer 'probe': its folder 'Layers/no-such-layer' was not found", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EachFunctionGetsItsLayersSettingsALaterLayersWinningAndItsOwnEnvironmentWinningOverThem()
    {
        var later = LayerDefinition.AwsPublished(
            "later",
            new PublishedLayer(new Dictionary<string, string> { ["us-east-1"] = "arn:aws:lambda:us-east-1:123456789012:layer:later:1" }, LayerStandIn.ParametersAndSecretsExtension),
            new Dictionary<string, string> { ["SECRETS_MANAGER_TTL"] = "120", ["LATER_ONLY"] = "yes" });
        var api = LeaderboardApp.Api with
        {
            Layers = [Extension, later],
            Environment = new Dictionary<string, string>(LeaderboardApp.Api.Environment!) { ["PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED"] = "false" },
        };
        using var synthesis = Synthesis.Create(WithFunctions(api));

        var apiVariables = Variables(synthesis, api.Name);
        Assert.Equal("false", (string?)apiVariables["PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED"]);
        Assert.Equal("120", (string?)apiVariables["SECRETS_MANAGER_TTL"]);
        Assert.Equal("yes", (string?)apiVariables["LATER_ONLY"]);
        var intakeVariables = Variables(synthesis, LeaderboardApp.Names.Intake);
        Assert.All(Extension.Environment, setting => Assert.Equal(setting.Value, (string?)intakeVariables[setting.Key]));
        Assert.Null(intakeVariables["LATER_ONLY"]);
    }

    [Fact]
    public void EachSecretIsGeneratedWithItsLengthAndReadOnlyByTheFunctionsThatListItThroughTheirIdVariable()
    {
        var replayKey = new SecretDefinition("replay-key", "The key replays are signed with.", "Leaderboard__ReplaySecretId", GeneratedLength: 64);
        var definition = WithFunctions(
            LeaderboardApp.Api with { Secrets = [LeaderboardApp.MatchSigningKey, replayKey] },
            LeaderboardApp.Processor with { Layers = [Extension], Secrets = [replayKey] });
        using var synthesis = Synthesis.Create(definition);

        Assert.Equal(definition.Secrets.Count, synthesis.Resources("AWS::SecretsManager::Secret").Count);
        foreach (var secret in definition.Secrets)
        {
            var id = synthesis.LogicalId(synthesis.Stack.Secrets[secret.Name]);
            Assert.Equal(secret.GeneratedLength, (int?)synthesis.Properties(id)["GenerateSecretString"]!["PasswordLength"]);
            foreach (var function in definition.Functions)
            {
                var lists = function.Secrets.Contains(secret);
                Assert.Equal(lists ? id : null, Intrinsics.Ref(Variables(synthesis, function.Name)[secret.IdVariable]));
                Assert.Equal(lists, SecretsReadBy(synthesis, function.Name).Contains(id));
            }
        }
        Assert.Equal(
            definition.Functions.Select(function => (function.Name, function.Secrets.Count)),
            definition.Functions.Select(function => (function.Name, SecretsReadBy(synthesis, function.Name).Count)));
    }

    [Fact]
    public void AFunctionThatReadsASecretWithoutTheExtensionLayerIsRefusedNamingWhatToAdd()
    {
        var failure = Refused<InvalidOperationException>(WithFunctions(LeaderboardApp.Intake with { Layers = [] }));

        Assert.Contains($"Function '{LeaderboardApp.Names.Intake}' reads secret '{LeaderboardApp.MatchSigningKey.Name}' but runs with no layer that serves secrets", failure.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(LayerStandIn.ParametersAndSecretsExtension), failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASecretsIdVariableThatTheFunctionsOwnEnvironmentSetsIsRefused()
    {
        var idVariable = LeaderboardApp.MatchSigningKey.IdVariable;
        var intake = LeaderboardApp.Intake with { Environment = new Dictionary<string, string>(LeaderboardApp.Intake.Environment!) { [idVariable] = "mine" } };

        var failure = Refused<InvalidOperationException>(WithFunctions(intake));

        Assert.Equal(
            $"Function '{intake.Name}': its environment sets {idVariable}, the variable that gives it the id of secret '{LeaderboardApp.MatchSigningKey.Name}'; rename one of them.",
            failure.Message);
    }

    [Fact]
    public void ASecretsIdVariableThatALayerSetsIsRefused()
    {
        var idVariable = LeaderboardApp.MatchSigningKey.IdVariable;
        var extension = Extension with { Environment = new Dictionary<string, string> { [idVariable] = "theirs" } };

        var failure = Refused<InvalidOperationException>(WithExtension(extension));

        Assert.Contains($"its layer '{Extension.Name}' sets {idVariable}", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoSecretsOfAFunctionWithOneIdVariableAreRefused()
    {
        var second = LeaderboardApp.MatchSigningKey with { Name = "second-key" };

        var failure = Refused<InvalidOperationException>(WithFunctions(LeaderboardApp.Api with { Secrets = [LeaderboardApp.MatchSigningKey, second] }));

        Assert.Contains($"reads secrets '{LeaderboardApp.MatchSigningKey.Name}' and 'second-key', which all give their id in {LeaderboardApp.MatchSigningKey.IdVariable}", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASecretOrALayerDeclaredTwiceWithDifferentSettingsIsRefused()
    {
        var longerKey = LeaderboardApp.MatchSigningKey with { GeneratedLength = 48 };
        var otherExtension = Extension with { Environment = new Dictionary<string, string>() };

        var secretFailure = Refused<InvalidOperationException>(WithFunctions(LeaderboardApp.Intake with { Secrets = [longerKey] }));
        var layerFailure = Refused<InvalidOperationException>(WithFunctions(LeaderboardApp.Intake with { Layers = [otherExtension] }));

        Assert.Contains($"Secret '{longerKey.Name}' is declared twice", secretFailure.Message, StringComparison.Ordinal);
        Assert.Contains($"Layer '{Extension.Name}' is declared twice", layerFailure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFunctionListingALayerTwiceOrRunningWithMoreLayersThanLambdaAllowsIsRefused()
    {
        var twice = Refused<InvalidOperationException>(WithFunctions(LeaderboardApp.Api with { Layers = [Extension, Extension] }));
        var published = Enumerable.Range(1, 4).Select(number => LayerDefinition.AwsPublished(
            $"layer-{number}",
            new PublishedLayer(new Dictionary<string, string> { ["us-east-1"] = $"arn:aws:lambda:us-east-1:123456789012:layer:layer-{number}:1" }, LayerStandIn.ParametersAndSecretsExtension)));
        var withCollector = new Dictionary<string, object> { [ContextKeys.OtelCollectorLayerArn] = ConfiguredStackFixture.CollectorLayerArn };
        var tooMany = Refused<InvalidOperationException>(WithFunctions(LeaderboardApp.Api with { Layers = [Extension, .. published] }), withCollector);

        Assert.Equal($"Function '{LeaderboardApp.Names.Api}' lists layer '{Extension.Name}' twice.", twice.Message);
        Assert.Equal($"Function '{LeaderboardApp.Names.Api}' runs with 6 layers, the collector layer included; Lambda allows 5.", tooMany.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4097)]
    public void ASecretLengthSecretsManagerCannotGenerateIsRefused(int length)
    {
        var key = LeaderboardApp.MatchSigningKey with { GeneratedLength = length };

        var failure = Refused<ArgumentException>(WithFunctions(LeaderboardApp.Api with { Secrets = [key] }, LeaderboardApp.Intake with { Secrets = [key] }));

        Assert.Equal($"Secret '{key.Name}' has a generated length of {length}; Secrets Manager generates 1 to 4096 characters.", failure.Message);
    }

    [Fact]
    public void AContextValueThatIsNoLayerVersionArnOrOfAnotherRegionThanTheStacksIsRefused()
    {
        var notAnArn = Refused<ArgumentException>(LeaderboardApp.Definition, new Dictionary<string, object> { [ExtensionContextKey] = "AWS-Parameters-and-Secrets-Lambda-Extension:4" });
        var otherRegion = Refused<ArgumentException>(LeaderboardApp.Definition, new Dictionary<string, object> { [ExtensionContextKey] = ContextArn }, region: "us-east-1");

        Assert.Contains($"Context '{ExtensionContextKey}' is 'AWS-Parameters-and-Secrets-Lambda-Extension:4'; give a layer version ARN", notAnArn.Message, StringComparison.Ordinal);
        Assert.Contains($"Context '{ExtensionContextKey}' is '{ContextArn}', a layer of another region than the stack's (us-east-1)", otherRegion.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APublishedLayerWithAnArnOfAnotherRegionOrWithNoArnAtAllIsRefused()
    {
        var swapped = new Dictionary<string, string> { ["us-west-2"] = Extension.Published!.ArnsByRegion["us-east-1"] };
        var none = new Dictionary<string, string>();

        var wrongRegion = Refused<InvalidOperationException>(WithExtension(Extension with { Published = Extension.Published! with { ArnsByRegion = swapped } }));
        var noArn = Refused<InvalidOperationException>(WithExtension(Extension with { Published = Extension.Published! with { ArnsByRegion = none } }));

        Assert.Contains($"Layer '{Extension.Name}': its ARN for us-west-2, '{swapped["us-west-2"]}', is not a layer version ARN of that region.", wrongRegion.Message, StringComparison.Ordinal);
        Assert.Contains($"Layer '{Extension.Name}' has no ARN in the definition; give the layer version ARN of the region you deploy to with -c {ExtensionContextKey}=", noArn.Message, StringComparison.Ordinal);
    }

    /// <summary>The functions of the sample that run with <paramref name="layer"/>.</summary>
    private static IEnumerable<FunctionDefinition> ReadersOf(LayerDefinition layer) =>
        LeaderboardApp.Definition.Functions.Where(function => function.Layers.Contains(layer));

    /// <summary>The sample with <paramref name="extension"/> in place of the extension layer, in every function.</summary>
    private static AppDefinition WithExtension(LayerDefinition extension) => LeaderboardApp.Definition with
    {
        Functions = [.. LeaderboardApp.Definition.Functions.Select(function => function with { Layers = [.. function.Layers.Select(layer => layer == Extension ? extension : layer)] })],
    };

    /// <summary>The sample with each of <paramref name="functions"/> in place of the function of the same name.</summary>
    private static AppDefinition WithFunctions(params FunctionDefinition[] functions) => LeaderboardApp.Definition with
    {
        Functions = [.. LeaderboardApp.Definition.Functions.Select(declared => functions.SingleOrDefault(function => function.Name == declared.Name) ?? declared)],
    };

    private static JsonObject Variables(Synthesis synthesis, string function) =>
        synthesis.Properties(synthesis.LogicalId(synthesis.Stack.Functions[function]))["Environment"]!["Variables"]!.AsObject();

    /// <summary>The secrets (logical ids) that a function's role may read.</summary>
    private static HashSet<string> SecretsReadBy(Synthesis synthesis, string function)
    {
        var role = Intrinsics.GetAtt(synthesis.Properties(synthesis.LogicalId(synthesis.Stack.Functions[function]))["Role"], "Arn");
        return [.. from policy in synthesis.Resources("AWS::IAM::Policy").Values
                   where policy["Properties"]!["Roles"]!.AsArray().Any(attached => Intrinsics.Ref(attached) == role)
                   from statement in policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray()
                   where Intrinsics.Strings(statement!["Action"]).Contains("secretsmanager:GetSecretValue")
                   from resource in statement["Resource"] is JsonArray resources ? [.. resources] : new[] { statement["Resource"] }
                   select Intrinsics.Ref(resource)!];
    }

    private static TException Refused<TException>(AppDefinition definition, IDictionary<string, object>? context = null, string? region = null)
        where TException : Exception =>
        Assert.IsType<TException>(Record.Exception(() => Synthesis.Create(definition, context, region: region).Dispose()));
}
