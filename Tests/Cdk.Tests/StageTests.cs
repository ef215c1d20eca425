using Amazon.CDK;
using AppHost.Definition;
using Leaderboard.Cdk;

namespace Cdk.Tests;

/// <summary>
/// <c>-c stage=...</c> names the stack apart, so dev, prod and a developer's own stage live side by side in one
/// account; without it the stack keeps the name it always had.
/// </summary>
public sealed class StageTests
{
    [Fact]
    public void WithoutAStageTheStackKeepsItsName()
    {
        Assert.Null(Settings().Stage);
        Assert.Equal(Synthesis.StackId, Settings().StackName);
        Assert.Equal(Synthesis.StackId, DeploymentSettings.DefaultStackName);
    }

    [Theory]
    [InlineData("dev", "leaderboard-dev")]
    [InlineData("prod", "leaderboard-prod")]
    [InlineData("dev-alex", "leaderboard-dev-alex")]
    [InlineData("dev-team-2", "leaderboard-dev-team-2")]
    public void AStageNamesTheStack(string stage, string stackName)
    {
        var settings = Settings(stage);

        Assert.Equal(stage, settings.Stage);
        Assert.Equal(stackName, settings.StackName);
    }

    [Theory]
    [InlineData("production")]
    [InlineData("Prod")]
    [InlineData("staging")]
    [InlineData("dev-")]
    [InlineData("dev_alex")]
    [InlineData("dev-Alex")]
    [InlineData("dev-a-name-longer-than-twenty")]
    public void AnUnknownStageIsRefusedNamingTheStagesThereAre(string stage)
    {
        var failure = Assert.Throws<ArgumentException>(() => Settings(stage));

        Assert.Contains($"'stage' is '{stage}'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("'dev' or 'prod'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("'dev-NAME'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheStagedStackSynthesizesUnderItsStageName()
    {
        using var synthesized = Synthesis.Create(LeaderboardApp.Definition, new Dictionary<string, object> { [ContextKeys.Stage] = "prod" });

        Assert.Equal("leaderboard-prod", synthesized.Stack.StackName);
        Assert.Equal("leaderboard-prod.template.json", synthesized.Stack.TemplateFile);
        Assert.True(File.Exists(Path.Combine(synthesized.AssemblyDirectory, synthesized.Stack.TemplateFile)));
    }

    [Fact]
    public void ThePipelinesStagesAreDevAndProd() =>
        Assert.Equal(["dev", "prod"], DeploymentSettings.PipelineStages);

    private static DeploymentSettings Settings(string? stage = null)
    {
        var context = new Dictionary<string, object>();
        if (stage is not null)
        {
            context[ContextKeys.Stage] = stage;
        }
        return DeploymentSettings.FromContext(new App(new AppProps { Context = context }).Node);
    }
}
