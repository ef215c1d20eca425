using AppHost.Definition;

namespace Cdk.Tests;

/// <summary>The definition's layers and secrets, deployed: the layer ARNs, the generated secrets and who may read them.</summary>
public sealed class LayersAndSecretsTests
{
    [Fact]
    public void EachFunctionRunsWithItsLayersLookedUpByRegionAndTheContextWins()
    {
        using var anyRegion = Synthesis.Create(LeaderboardApp.Definition);
        const string Override = "arn:aws:lambda:eu-north-1:123456789012:layer:AWS-Parameters-and-Secrets-Lambda-Extension:99";
        using var overridden = Synthesis.Create(LeaderboardApp.Definition, new Dictionary<string, object> { ["layerArn:" + LeaderboardApp.Names.ParametersAndSecrets] = Override });

        var mapping = anyRegion.Json["Mappings"]!.AsObject().Single(entry => entry.Key.StartsWith("parametersandsecretslayerarns", StringComparison.Ordinal)).Value!.AsObject();
        Assert.Equal(
            LeaderboardApp.ParametersAndSecretsExtension.Published!.ArnsByRegion.OrderBy(entry => entry.Key).Select(entry => (entry.Key, entry.Value)),
            mapping.OrderBy(entry => entry.Key).Select(entry => (entry.Key, (string)entry.Value!["arn"]!)));
        foreach (var function in LeaderboardApp.Definition.Functions)
        {
            var layers = anyRegion.Json["Resources"]![anyRegion.LogicalId(anyRegion.Stack.Functions[function.Name])]!["Properties"]!["Layers"]?.AsArray() ?? [];
            Assert.Equal(function.Layers.Count, layers.Count);
            Assert.All(layers, layer => Assert.Contains("Fn::FindInMap", layer!.ToJsonString(), StringComparison.Ordinal));
            var fixedLayers = overridden.Json["Resources"]![overridden.LogicalId(overridden.Stack.Functions[function.Name])]!["Properties"]!["Layers"]?.AsArray() ?? [];
            Assert.Equal(function.Layers.Select(_ => Override), fixedLayers.Select(layer => (string)layer!));
        }
    }

    [Fact]
    public void EachSecretIsGeneratedAndOnlyTheFunctionsThatListItMayReadIt()
    {
        using var synthesis = Synthesis.Create(LeaderboardApp.Definition);

        foreach (var secret in LeaderboardApp.Definition.Secrets)
        {
            var (logicalId, resource) = synthesis.Resources("AWS::SecretsManager::Secret").Single(entry => (string?)entry.Value["Properties"]!["Description"] == secret.Description);
            Assert.Equal(secret.GeneratedLength, (int)resource["Properties"]!["GenerateSecretString"]!["PasswordLength"]!);
            Assert.True((bool)resource["Properties"]!["GenerateSecretString"]!["ExcludePunctuation"]!);
            var readers = synthesis.Resources("AWS::IAM::Policy").Values
                .Where(policy => policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray().Any(statement =>
                    statement!["Action"]!.ToJsonString().Contains("secretsmanager:GetSecretValue", StringComparison.Ordinal)
                    && statement["Resource"]!.ToJsonString().Contains($"\"{logicalId}\"", StringComparison.Ordinal)))
                .SelectMany(policy => policy["Properties"]!["Roles"]!.AsArray().Select(role => (string)role!["Ref"]!))
                .ToHashSet();
            foreach (var function in LeaderboardApp.Definition.Functions)
            {
                var deployed = synthesis.Json["Resources"]![synthesis.LogicalId(synthesis.Stack.Functions[function.Name])]!["Properties"]!;
                var reads = function.Secrets.Contains(secret);
                Assert.Equal(reads, readers.Contains((string)deployed["Role"]!["Fn::GetAtt"]![0]!));
                var id = deployed["Environment"]?["Variables"]?[secret.IdVariable];
                Assert.Equal(reads ? $"{{\"Ref\":\"{logicalId}\"}}" : null, id?.ToJsonString());
            }
        }
    }
}
