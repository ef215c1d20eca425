using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Leaderboard.Cdk;

namespace Cdk.Tests;

/// <summary>The CI stack synthesized for one repository, as <c>-c githubRepository=octo-org/leaderboard</c> makes it.</summary>
public sealed class CiStackFixture : IDisposable
{
    public const string Repository = "octo-org/leaderboard";

    public CiStackFixture()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("cdk-tests-ci-").FullName;
        var app = new App(new AppProps
        {
            Outdir = Directory,
            Context = new Dictionary<string, object> { [ContextKeys.GitHubRepository] = Repository },
        });
        Stack = new LeaderboardCiStack(app, LeaderboardCiStack.Name, LeaderboardCiStackProps.FromContext(app.Node)!);
        Template = Template.FromStack(Stack);
        TemplateFile = Path.Combine(app.Synth().Directory, Stack.TemplateFile);
        Json = JsonNode.Parse(File.ReadAllText(TemplateFile))!.AsObject();
    }

    public string Directory { get; }

    public LeaderboardCiStack Stack { get; }

    public Template Template { get; }

    public string TemplateFile { get; }

    public JsonObject Json { get; }

    public IReadOnlyDictionary<string, JsonObject> Resources(string type) =>
        Json["Resources"]!.AsObject()
            .Where(resource => (string?)resource.Value!["Type"] == type)
            .ToDictionary(resource => resource.Key, resource => resource.Value!.AsObject());

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

/// <summary>
/// The stack that lets GitHub Actions deploy: an OIDC provider for GitHub's tokens, and one role that only
/// the repository's workflows can assume and that can only assume the CDK bootstrap roles.
/// </summary>
public sealed class CiStackTests(CiStackFixture fixture) : IClassFixture<CiStackFixture>
{
    private const string Issuer = "token.actions.githubusercontent.com";

    private static readonly string[] BootstrapRoleArns =
    [
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-deploy-role-${AWS::AccountId}-${AWS::Region}",
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-file-publishing-role-${AWS::AccountId}-${AWS::Region}",
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-lookup-role-${AWS::AccountId}-${AWS::Region}",
    ];

    [Fact]
    public void TheOidcProviderTrustsGitHubActionsTokensForSts()
    {
        fixture.Template.ResourceCountIs("AWS::IAM::OIDCProvider", 1);
        fixture.Template.HasResourceProperties("AWS::IAM::OIDCProvider", new Dictionary<string, object>
        {
            ["Url"] = "https://" + Issuer,
            ["ClientIdList"] = new[] { "sts.amazonaws.com" },
        });
    }

    [Fact]
    public void OnlyTheRepositorysWorkflowsMayAssumeTheRoleThroughTheProvider()
    {
        var (_, role) = Assert.Single(fixture.Resources("AWS::IAM::Role"));
        var statement = Assert.Single(role["Properties"]!["AssumeRolePolicyDocument"]!["Statement"]!.AsArray())!;
        var provider = Assert.Single(fixture.Resources("AWS::IAM::OIDCProvider")).Key;

        Assert.Equal("Allow", (string?)statement["Effect"]);
        Assert.Equal("sts:AssumeRoleWithWebIdentity", (string?)statement["Action"]);
        Assert.Equal(provider, Intrinsics.GetAtt(statement["Principal"]!["Federated"], "Arn"));
        var conditions = statement["Condition"]!.AsObject();
        Assert.Equal(["StringEquals", "StringLike"], conditions.Select(condition => condition.Key).Order());
        Assert.Equal("sts.amazonaws.com", (string?)conditions["StringEquals"]![Issuer + ":aud"]);
        Assert.Single(conditions["StringEquals"]!.AsObject());
        Assert.Equal($"repo:{CiStackFixture.Repository}:*", (string?)conditions["StringLike"]![Issuer + ":sub"]);
        Assert.Single(conditions["StringLike"]!.AsObject());
    }

    [Fact]
    public void TheRoleMayOnlyAssumeTheCdkBootstrapRolesOfItsAccountAndRegion()
    {
        var (roleId, role) = Assert.Single(fixture.Resources("AWS::IAM::Role"));
        Assert.Null(role["Properties"]!["ManagedPolicyArns"]);
        Assert.Null(role["Properties"]!["Policies"]);
        Assert.Empty(fixture.Resources("AWS::IAM::ManagedPolicy"));

        var policies = fixture.Resources("AWS::IAM::Policy").Values.ToList();
        var statements = policies.SelectMany(policy => policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray()).ToList();

        Assert.All(policies, policy => Assert.Equal([roleId], policy["Properties"]!["Roles"]!.AsArray().Select(Intrinsics.Ref)));
        var statement = Assert.Single(statements)!;
        Assert.Equal("Allow", (string?)statement["Effect"]);
        Assert.Equal(["sts:AssumeRole"], Intrinsics.Strings(statement["Action"]));
        Assert.Null(statement["NotAction"]);
        Assert.Null(statement["NotResource"]);
        Assert.Equal(BootstrapRoleArns.Order(), statement["Resource"]!.AsArray().Select(Intrinsics.Render).Order());
    }

    [Fact]
    public void NoUserNoAccessKeyAndTheRolesArnIsAnOutput()
    {
        Assert.Empty(fixture.Resources("AWS::IAM::User"));
        Assert.Empty(fixture.Resources("AWS::IAM::AccessKey"));
        var roleId = Assert.Single(fixture.Resources("AWS::IAM::Role")).Key;
        Assert.Equal(roleId, Intrinsics.GetAtt(fixture.Json["Outputs"]![LeaderboardCiStack.DeployRoleArnOutput]!["Value"], "Arn"));
        Assert.Equal(3600, (int?)fixture.Resources("AWS::IAM::Role")[roleId]["Properties"]!["MaxSessionDuration"]);
    }

    [Fact]
    public void AnExistingProviderIsReusedAndACustomBootstrapQualifierNamesTheRoles()
    {
        const string ProviderArn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
        var output = Directory.CreateTempSubdirectory("cdk-tests-ci-");
        var app = new App(new AppProps
        {
            Outdir = output.FullName,
            Context = new Dictionary<string, object>
            {
                [ContextKeys.GitHubRepository] = CiStackFixture.Repository,
                [ContextKeys.GitHubOidcProviderArn] = ProviderArn,
                [ContextKeys.BootstrapQualifier] = "team7",
            },
        });
        var stack = new LeaderboardCiStack(app, LeaderboardCiStack.Name, LeaderboardCiStackProps.FromContext(app.Node)!);
        JsonNode json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(Path.Combine(app.Synth().Directory, stack.TemplateFile)))!;
        }
        finally
        {
            output.Delete(recursive: true);
        }
        var resources = json["Resources"]!.AsObject().Select(resource => resource.Value!).ToList();

        Assert.DoesNotContain(resources, resource => (string?)resource["Type"] == "AWS::IAM::OIDCProvider");
        var role = Assert.Single(resources, resource => (string?)resource["Type"] == "AWS::IAM::Role")!;
        Assert.Equal(ProviderArn, (string?)role["Properties"]!["AssumeRolePolicyDocument"]!["Statement"]![0]!["Principal"]!["Federated"]);
        var policy = Assert.Single(resources, resource => (string?)resource["Type"] == "AWS::IAM::Policy")!;
        var arns = policy["Properties"]!["PolicyDocument"]!["Statement"]![0]!["Resource"]!.AsArray().Select(Intrinsics.Render).ToList();
        Assert.Equal(3, arns.Count);
        Assert.All(arns, arn => Assert.Contains(":role/cdk-team7-", arn, StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutARepositoryThereIsNoCiStack() =>
        Assert.Null(LeaderboardCiStackProps.FromContext(new App().Node));

    [Theory]
    [InlineData("leaderboard")]
    [InlineData("octo-org/leaderboard/extra")]
    [InlineData("octo org/leaderboard")]
    [InlineData("repo:octo-org/leaderboard:*")]
    public void ARepositoryThatIsNotOwnerSlashNameIsRefused(string repository)
    {
        var app = new App(new AppProps { Context = new Dictionary<string, object> { [ContextKeys.GitHubRepository] = repository } });

        var failure = Assert.Throws<ArgumentException>(() => LeaderboardCiStackProps.FromContext(app.Node));

        Assert.Contains($"'githubRepository' is '{repository}'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("owner/name", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABootstrapQualifierCdkWouldRefuseIsRefused()
    {
        var app = new App(new AppProps
        {
            Context = new Dictionary<string, object> { [ContextKeys.GitHubRepository] = CiStackFixture.Repository, [ContextKeys.BootstrapQualifier] = "Team*" },
        });

        var failure = Assert.Throws<ArgumentException>(() => LeaderboardCiStackProps.FromContext(app.Node));

        Assert.Contains("is 'Team*'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CfnLintFindsNothingInTheTemplate()
    {
        var start = new ProcessStartInfo("cfn-lint") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--");
        start.ArgumentList.Add(fixture.TemplateFile);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"cfn-lint is not installed ({e.Message}): pip install cfn-lint (the workflows pin 1.51.0).");
            return;
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);

            Assert.True(process.ExitCode == 0, $"cfn-lint exited with {process.ExitCode}:{System.Environment.NewLine}{await output}{await errors}");
        }
    }
}
