using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json.Nodes;
using AppHost.Definition;
using Leaderboard.Cdk;

namespace Cdk.Tests;

/// <summary>
/// cfn-lint, the CloudFormation linter, accepts every template the CDK app synthesizes: the default and
/// each context option <c>cdk/README.md</c> documents. It knows which Lambda runtimes AWS no longer
/// creates, so a retired runtime or a bad property fails here rather than in a user's deploy.
/// </summary>
public sealed class TemplateLintTests
{
    /// <summary>
    /// The one warning that stays (listed in <c>cdk/README.md</c>): CDK makes each function depend on its
    /// role explicitly, though the role's <c>Fn::GetAtt</c> already orders them. CloudFormation accepts it.
    /// </summary>
    private static readonly HashSet<string> AcceptedWarnings = ["W3005"];

    private static readonly TimeSpan LintTimeout = TimeSpan.FromMinutes(2);

    public static TheoryData<string, Dictionary<string, object>> Variants() => new()
    {
        { "default", [] },
        { "provisioned concurrency", new() { [ContextKeys.ProvisionedConcurrency] = "true" } },
        {
            "X-Ray through the collector layer", new()
            {
                [ContextKeys.XRayTracing] = "true",
                [ContextKeys.OtelCollectorLayerArn] = "arn:aws:lambda:us-east-1:123456789012:layer:otel-collector:1",
            }
        },
        { "throw-away stack", new() { [ContextKeys.RemovalPolicy] = "destroy" } },
        { "alarms to a topic", new() { [ContextKeys.AlarmTopicArn] = "arn:aws:sns:us-east-1:123456789012:alarms" } },
        {
            "issuer and audiences given", new()
            {
                [ContextKeys.JwtIssuer] = "https://issuer.example.com/",
                [ContextKeys.JwtAudience] = "leaderboard-api,leaderboard-admin",
                [ContextKeys.LogRetention] = "ONE_WEEK",
            }
        },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task EveryVariantOfTheTemplatePassesCfnLint(string variant, Dictionary<string, object> context)
    {
        using var synthesis = Synthesis.Create(LeaderboardApp.Definition, context);

        var findings = await CfnLint.RunAsync(Path.Combine(synthesis.AssemblyDirectory, synthesis.Stack.TemplateFile));

        var refused = findings.Where(finding => !AcceptedWarnings.Contains(finding.Rule)).ToList();
        Assert.True(refused.Count == 0, $"cfn-lint on the {variant} template:{Environment.NewLine}{string.Join(Environment.NewLine, refused)}");
    }

    [Fact]
    public async Task AFunctionOnARetiredRuntimeIsAnError()
    {
        using var synthesis = Synthesis.Create(LeaderboardApp.Definition);
        var api = synthesis.LogicalId(synthesis.Stack.Functions[LeaderboardApp.Api.Name]);
        synthesis.Json["Resources"]![api]!["Properties"]!["Runtime"] = "python3.11";
        var template = Path.Combine(synthesis.Directory, "retired-runtime.template.json");
        await File.WriteAllTextAsync(template, synthesis.Json.ToJsonString());

        var findings = await CfnLint.RunAsync(template);

        Assert.Contains(findings, finding => finding.Rule == "E2533" && finding.Message.Contains("python3.11", StringComparison.Ordinal));
    }

    [Fact]
    public void CdkBundledHandlersRunOnTheRuntimesChosenForThem()
    {
        using var synthesis = Synthesis.Create(LeaderboardApp.Definition, new Dictionary<string, object> { [ContextKeys.RemovalPolicy] = "destroy" });

        var runtimes = synthesis.Resources("AWS::Lambda::Function").Values
            .Select(function => (string?)function["Properties"]!["Runtime"])
            .ToList();

        Assert.Equal(synthesis.Stack.Functions.Count, runtimes.Count(runtime => runtime == LeaderboardStack.DotNet10.Name));
        Assert.Contains(BundledHandlerRuntimes.Python, runtimes);
        Assert.Contains(BundledHandlerRuntimes.NodeJs, runtimes);
        Assert.Equal(synthesis.Stack.Functions.Count + 2, runtimes.Count);
        // The region map of the replaced Node runtime is gone; the layers' region maps stay.
        Assert.DoesNotContain("LatestNodeRuntimeMap", synthesis.Json["Mappings"]?.AsObject().Select(mapping => mapping.Key) ?? []);
    }

    /// <summary>One finding of cfn-lint.</summary>
    private sealed record Finding(string Rule, string Message, string Where)
    {
        public override string ToString() => $"{Rule} {Message} ({Where})";
    }

    /// <summary>Runs the <c>cfn-lint</c> on <c>PATH</c> and reads its JSON report.</summary>
    private static class CfnLint
    {
        public static async Task<IReadOnlyList<Finding>> RunAsync(string template)
        {
            var start = new ProcessStartInfo("cfn-lint")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in new[] { "--format", "json", "--", template })
            {
                start.ArgumentList.Add(argument);
            }
            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (Win32Exception exception)
            {
                throw new InvalidOperationException(
                    "cfn-lint is not on PATH. Install it (pipx install cfn-lint, or pip install cfn-lint) and run the tests again; this test needs it to check the templates.",
                    exception);
            }
            using (process)
            {
                using var timeout = new CancellationTokenSource(LintTimeout);
                var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
                var errors = process.StandardError.ReadToEndAsync(timeout.Token);
                await process.WaitForExitAsync(timeout.Token);
                // cfn-lint exits 0 when clean, and with a bit mask of 2 (errors), 4 (warnings) and 8 (informational) otherwise; 1 is its own failure.
                Assert.True(process.ExitCode is 0 or >= 2, $"cfn-lint failed with {process.ExitCode}: {await errors}");
                return [.. JsonNode.Parse(await output)!.AsArray().Select(match => new Finding(
                    (string)match!["Rule"]!["Id"]!,
                    (string)match["Message"]!,
                    $"{(string?)match["Location"]?["Path"]?.ToJsonString()} line {(int?)match["Location"]?["Start"]?["LineNumber"]}"))];
            }
        }
    }
}
