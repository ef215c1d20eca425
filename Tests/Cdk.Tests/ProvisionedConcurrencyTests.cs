using AppHost.Definition;
using Leaderboard.Cdk;

namespace Cdk.Tests;

/// <summary>The sample app deployed with <c>provisionedConcurrency=true</c>: each function's declared provisioned concurrency on an alias that its routes and queue mappings invoke.</summary>
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
    public void EachFunctionThatDeclaresItGetsAVersionAndAnAliasCarryingItsProvisionedConcurrency()
    {
        var provisioned = LeaderboardApp.Definition.Functions.Where(function => function.ProvisionedConcurrency is > 0).ToList();
        Assert.Equal([LeaderboardApp.Names.Api, LeaderboardApp.Names.Intake], provisioned.Select(function => function.Name).Order());

        var aliases = synthesized.Resources("AWS::Lambda::Alias").Values.Select(alias => alias["Properties"]!).ToList();
        var versions = synthesized.Resources("AWS::Lambda::Version");

        Assert.Equal(provisioned.Count, aliases.Count);
        foreach (var function in provisioned)
        {
            var alias = Assert.Single(aliases, alias => Intrinsics.Ref(alias["FunctionName"]) == synthesized.LogicalId(synthesized.Stack.Functions[function.Name]));
            Assert.Equal("live", (string?)alias["Name"]);
            Assert.Equal(function.ProvisionedConcurrency, (int?)alias["ProvisionedConcurrencyConfig"]!["ProvisionedConcurrentExecutions"]);
            Assert.Contains(Intrinsics.GetAtt(alias["FunctionVersion"], "Version"), versions.Keys);
        }
        Assert.DoesNotContain(LeaderboardApp.Names.Processor, synthesized.Stack.Aliases.Keys);
    }

    [Fact]
    public void TheIntakeQueuesMappingInvokesTheIntakesAlias()
    {
        var aliasId = synthesized.LogicalId(synthesized.Stack.Aliases[LeaderboardApp.Names.Intake]);
        var queue = synthesized.LogicalId(synthesized.Stack.Queues[LeaderboardApp.Names.MatchIntakeQueue].Queue);

        var mapping = Assert.Single(synthesized.Resources("AWS::Lambda::EventSourceMapping").Values,
            candidate => Intrinsics.GetAtt(candidate["Properties"]!["EventSourceArn"], "Arn") == queue)["Properties"]!;

        // CDK names the alias as "<function name>:live", the name taken from the alias's ARN.
        var functionName = mapping["FunctionName"]!.ToJsonString();
        Assert.Contains($$"""{"Ref":"{{aliasId}}"}""", functionName, StringComparison.Ordinal);
        Assert.Contains("\":live\"", functionName, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryRouteInvokesTheAliasNotTheUnprovisionedFunction()
    {
        var aliasId = synthesized.LogicalId(synthesized.Stack.Aliases[LeaderboardApp.Names.Api]);

        var integrations = synthesized.ResourcesOfApi("AWS::ApiGatewayV2::Integration", synthesized.LogicalId(synthesized.Stack.HttpApis[LeaderboardApp.HttpApi.Name])).Values.ToList();

        Assert.NotEmpty(integrations);
        Assert.All(integrations, integration => Assert.Equal(aliasId, Intrinsics.Ref(integration["Properties"]!["IntegrationUri"])));
        Assert.Contains(synthesized.Resources("AWS::Lambda::Permission").Values,
            permission => Intrinsics.Ref(permission["Properties"]!["FunctionName"]) == aliasId
                && (string?)permission["Properties"]!["Principal"] == "apigateway.amazonaws.com");
    }

    [Fact]
    public void WebSocketRoutesToAProvisionedFunctionInvokeItsAliasWhileTheFunctionGetsTheEndpointAndThePermission()
    {
        var definition = LeaderboardApp.Definition with
        {
            Functions = [LeaderboardApp.Api, LeaderboardApp.Processor, LeaderboardApp.Live with { ProvisionedConcurrency = 1 }],
        };
        using var provisioned = Synthesis.Create(definition, new Dictionary<string, object> { [ContextKeys.ProvisionedConcurrency] = "true" });
        var api = provisioned.LogicalId(provisioned.Stack.WebSocketStages[LeaderboardApp.WebSocketApi.Name].Api);
        var alias = provisioned.LogicalId(provisioned.Stack.Aliases[LeaderboardApp.Names.Live]);
        var function = provisioned.Properties(provisioned.LogicalId(provisioned.Stack.Functions[LeaderboardApp.Names.Live]));

        var integrations = provisioned.ResourcesOfApi("AWS::ApiGatewayV2::Integration", api).Values.ToList();
        Assert.Equal(LeaderboardApp.WebSocketApi.Routes.Count, integrations.Count);
        Assert.All(integrations, integration => Assert.Equal(
            "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${" + alias + "}/invocations",
            Intrinsics.Render(integration["Properties"]!["IntegrationUri"])));
        Assert.Equal(
            LeaderboardApp.WebSocketApi.Routes.Count,
            provisioned.Resources("AWS::Lambda::Permission").Values.Count(permission => Intrinsics.Ref(permission["Properties"]!["FunctionName"]) == alias));
        Assert.NotNull(function["Environment"]!["Variables"]![WebSocketApiDefinition.ManagementEndpointVariable]);
        var role = Intrinsics.GetAtt(function["Role"], "Arn");
        Assert.Contains(provisioned.Resources("AWS::IAM::Policy").Values, policy =>
            Intrinsics.Ref(policy["Properties"]!["Roles"]![0]) == role
            && policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray().Any(statement => Intrinsics.Strings(statement!["Action"]).Contains("execute-api:ManageConnections")));
    }
}
