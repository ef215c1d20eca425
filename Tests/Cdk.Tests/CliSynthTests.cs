using System.Diagnostics;
using System.Text.Json.Nodes;
using Leaderboard.Cdk;

namespace Cdk.Tests;

/// <summary>
/// <c>npx cdk synth</c> in <c>cdk/</c>, as a user runs it, writes a cloud assembly the CLI can deploy.
/// The functions come from the outputs the published-app fixture made, so the CLI's run does not publish again.
/// </summary>
[Collection(PublishedAppGroup.Name)]
public sealed class CliSynthTests(PublishedAppFixture fixture)
{
    private static readonly TimeSpan SynthTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task CdkSynthThroughTheCliWritesACloudAssemblyWithTheStackTemplateAndItsAssets()
    {
        var cdk = FindCdkDirectory();
        var output = Directory.CreateTempSubdirectory("cdk-tests-cli-");
        try
        {
            var (exitCode, log) = await RunAsync(cdk, fixture.PublishDirectory, ["cdk", "synth", "--quiet", "--output", output.FullName]);
            Assert.True(exitCode == 0, $"npx cdk synth exited with {exitCode}:{Environment.NewLine}{log}");

            var manifest = ReadJson(Path.Combine(output.FullName, "manifest.json"));
            Assert.NotNull((string?)manifest["version"]);
            var stack = manifest["artifacts"]![Synthesis.StackId]!;
            Assert.Equal("aws:cloudformation:stack", (string?)stack["type"]);
            Assert.Equal("aws://unknown-account/unknown-region", (string?)stack["environment"]);

            var template = ReadJson(Path.Combine(output.FullName, (string)stack["properties"]!["templateFile"]!));
            var types = template["Resources"]!.AsObject().Select(resource => (string)resource.Value!["Type"]!).ToList();
            foreach (var type in new[]
            {
                "AWS::DynamoDB::Table", "AWS::Lambda::Function", "AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Route",
                "AWS::ApiGatewayV2::RouteResponse", "AWS::Lambda::EventSourceMapping", "AWS::CloudWatch::Alarm",
                "AWS::S3::Bucket", "Custom::CDKBucketDeployment", "AWS::CloudFront::Distribution",
            })
            {
                Assert.Contains(type, types);
            }
            Assert.DoesNotContain("AWS::CDK::Metadata", types);

            var assets = ReadJson(Path.Combine(output.FullName, (string)manifest["artifacts"]![Synthesis.StackId + ".assets"]!["properties"]!["file"]!));
            var files = assets["files"]!.AsObject().Select(file => file.Value!["source"]!).ToList();
            Assert.Contains(files, source => (string?)source["path"] == (string?)stack["properties"]!["templateFile"]);
            var zipped = files.Where(source => (string?)source["packaging"] == "zip").ToList();
            Assert.All(zipped, source => Assert.True(Directory.Exists(Path.Combine(output.FullName, (string)source["path"]!))));
            // Zipped from folders: each function's code (the definition's and the site deployment's handler) and the site's sources (its folder and config.json).
            var resources = template["Resources"]!.AsObject().Select(resource => resource.Value!).ToList();
            var zippedByTemplate = resources
                .Where(resource => (string?)resource["Type"] == "AWS::Lambda::Function")
                .Select(function => (string)function["Properties"]!["Code"]!["S3Key"]!)
                .Concat(resources
                    .Where(resource => (string?)resource["Type"] == "Custom::CDKBucketDeployment")
                    .SelectMany(deployment => Intrinsics.Strings(deployment["Properties"]!["SourceObjectKeys"])))
                .Select(key => "asset." + Path.GetFileNameWithoutExtension(key));
            Assert.Equal(zippedByTemplate.Order(), zipped.Select(source => (string)source["path"]!).Order());
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Log)> RunAsync(string directory, string functionAssets, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo("npx")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment[DeploymentSettings.FunctionAssetsVariable] = functionAssets;
        start.Environment["CDK_DISABLE_VERSION_CHECK"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(SynthTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"npx cdk synth did not finish within {SynthTimeout}.");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    private static JsonObject ReadJson(string path)
    {
        Assert.True(File.Exists(path), $"{path} is missing.");
        return JsonNode.Parse(File.ReadAllText(path))!.AsObject();
    }

    /// <summary>The repository's <c>cdk/</c> folder, whose CLI the root <c>npm ci</c> installs.</summary>
    private static string FindCdkDirectory()
    {
        var cdk = Synthesis.CdkDirectory();
        Assert.True(
            Directory.Exists(Path.Combine(cdk.Parent!.FullName, "node_modules", "aws-cdk")),
            $"The aws-cdk CLI is not installed: run 'npm ci' in {cdk.Parent.FullName}.");
        return cdk.FullName;
    }
}
