using AppHost.Definition;
using Leaderboard.Cdk;

namespace Cdk.Tests;

/// <summary>The sample app deployed with <c>provisionedConcurrency=true</c>: the API function's declared provisioned concurrency on an alias that its routes invoke.</summary>
public sealed class ProvisionedStackFixture : IDisposable
{
    public Synthesis Synthesized { get; } = Synthesis.Create(LeaderboardApp.Definition, new Dictionary<string, object>
    {
        [ContextKeys.ProvisionedConcurrency] = "true",
    });

    public void Dispose() => Synthesized.Dispose();
}

public sealed class ProvisionedConcurrencyTests(ProvisionedStackFixture fixture) : IClassFixture<ProvisionedStackFixture>
{
    private readonly Synthesis synthesized = fixture.Synthesized;

    [Fact]
    public void TheFunctionThatDeclaresItGetsAVersionAndAnAliasCarryingItsProvisionedConcurrency()
    {
        var alias = Assert.Single(synthesized.Resources("AWS::Lambda::Alias")).Value["Properties"]!;

        Assert.Equal("live", (string?)alias["Name"]);
        Assert.Equal(LeaderboardApp.Api.ProvisionedConcurrency, (int?)alias["ProvisionedConcurrencyConfig"]!["ProvisionedConcurrentExecutions"]);
        Assert.Equal(synthesized.LogicalId(synthesized.Stack.Functions[LeaderboardApp.Names.Api]), Intrinsics.Ref(alias["FunctionName"]));
        var version = Assert.Single(synthesized.Resources("AWS::Lambda::Version"));
        Assert.Equal(version.Key, Intrinsics.GetAtt(alias["FunctionVersion"], "Version"));
        Assert.DoesNotContain(LeaderboardApp.Names.Processor, synthesized.Stack.Aliases.Keys);
    }

    [Fact]
    public void EveryRouteInvokesTheAliasNotTheUnprovisionedFunction()
    {
        var aliasId = synthesized.LogicalId(synthesized.Stack.Aliases[LeaderboardApp.Names.Api]);

        var integrations = synthesized.Resources("AWS::ApiGatewayV2::Integration").Values.ToList();

        Assert.NotEmpty(integrations);
        Assert.All(integrations, integration => Assert.Equal(aliasId, Intrinsics.Ref(integration["Properties"]!["IntegrationUri"])));
        Assert.Contains(synthesized.Resources("AWS::Lambda::Permission").Values,
            permission => Intrinsics.Ref(permission["Properties"]!["FunctionName"]) == aliasId
                && (string?)permission["Properties"]!["Principal"] == "apigateway.amazonaws.com");
    }
}
