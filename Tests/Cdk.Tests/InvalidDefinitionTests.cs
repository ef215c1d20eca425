using AppHost.Definition;
using Leaderboard.Cdk;

namespace Cdk.Tests;

/// <summary>What the CDK app cannot deploy is refused at synthesis, naming the part of the definition at fault.</summary>
public sealed class InvalidDefinitionTests
{
    [Fact]
    public void ARestApiIsRefused()
    {
        var failure = Refused<NotSupportedException>(WithApi(LeaderboardApp.HttpApi with { Kind = ApiKind.Rest }));

        Assert.Contains($"API '{LeaderboardApp.HttpApi.Name}' is a Rest API", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARouteThatRequiresAnApiKeyIsRefused()
    {
        var failure = Refused<NotSupportedException>(WithRoutes(new RouteDefinition("GET", "/keys", LeaderboardApp.Names.Api, RequiresApiKey: true)));

        Assert.Contains("'GET /keys'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("API key", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARouteThatRequiresAJwtOnAnApiWithoutAJwtAuthorizerIsRefused()
    {
        var failure = Refused<InvalidOperationException>(WithApi(LeaderboardApp.HttpApi with { JwtAuthorizer = null }));

        Assert.Contains("'POST /matches'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("no JWT authorizer", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARouteToAnUndeclaredFunctionIsRefused()
    {
        var failure = Refused<InvalidOperationException>(WithRoutes(new RouteDefinition("GET", "/ghost", "ghost-function")));

        Assert.Contains("Route 'GET /ghost' invokes function 'ghost-function'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AWebSocketRouteToAnUndeclaredFunctionIsRefused()
    {
        var api = LeaderboardApp.WebSocketApi with { Routes = [.. LeaderboardApp.WebSocketApi.Routes, new WebSocketRouteDefinition("unsubscribe", "ghost-function")] };

        var failure = Refused<InvalidOperationException>(LeaderboardApp.Definition with { WebSocketApis = [api] });

        Assert.Contains($"WebSocket route 'unsubscribe' of '{api.Name}' invokes function 'ghost-function'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("which the definition does not declare", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFunctionWithRoutesInTwoWebSocketApisIsRefused()
    {
        var second = LeaderboardApp.WebSocketApi with { Name = "second-websocket-api" };

        var failure = Refused<InvalidOperationException>(LeaderboardApp.Definition with { WebSocketApis = [LeaderboardApp.WebSocketApi, second] });

        Assert.Contains($"Function '{LeaderboardApp.Names.Live}' has routes in WebSocket APIs '{LeaderboardApp.WebSocketApi.Name}' and '{second.Name}'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASiteOfAnUndeclaredWebSocketApiIsRefused()
    {
        var definition = LeaderboardApp.Definition with { Sites = [LeaderboardApp.LiveBoard with { WebSocketApi = "ghost-api" }] };

        var failure = Refused<InvalidOperationException>(definition);

        Assert.Contains($"Site '{LeaderboardApp.LiveBoard.Name}' talks to WebSocket API 'ghost-api', which the definition does not declare", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASiteWhoseFolderIsMissingIsRefused()
    {
        var definition = LeaderboardApp.Definition with { Sites = [LeaderboardApp.LiveBoard with { Directory = "Functions/Leaderboard.Live/no-such-folder" }] };

        var failure = Refused<InvalidOperationException>(definition);

        Assert.Contains($"Site '{LeaderboardApp.LiveBoard.Name}': its folder 'Functions/Leaderboard.Live/no-such-folder' was not found", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownHttpMethodIsRefused()
    {
        var failure = Refused<ArgumentException>(WithRoutes(new RouteDefinition("FETCH", "/players", LeaderboardApp.Names.Api)));

        Assert.Contains("'FETCH' is not an HTTP method", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AStreamEventSourceOnATableWithoutAStreamIsRefused()
    {
        var definition = LeaderboardApp.Definition with { Tables = [LeaderboardApp.Table with { Stream = null }] };

        var failure = Refused<InvalidOperationException>(definition);

        Assert.Contains($"reads the stream of table '{LeaderboardApp.Table.Name}', which has no stream", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AStreamOfAnUndeclaredTableIsRefusedNamingItsFunction()
    {
        var definition = WithFunction(LeaderboardApp.Processor with { Streams = [new StreamEventSourceDefinition("ghost-table")] });

        var failure = Refused<InvalidOperationException>(definition);

        Assert.Equal($"The stream event source of '{LeaderboardApp.Names.Processor}' reads table 'ghost-table', which the definition does not declare.", failure.Message);
    }

    [Fact]
    public void AScheduleThatIsNeitherRateNorCronIsRefused()
    {
        var definition = WithFunction(LeaderboardApp.Processor with { Schedules = [new ScheduleDefinition("often", "every 5 minutes")] });

        var failure = Refused<ArgumentException>(definition);

        Assert.Contains($"Schedule 'often' of function '{LeaderboardApp.Names.Processor}' has expression 'every 5 minutes'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void XRayTracingWithoutACollectorLayerIsRefused()
    {
        var failure = Refused<ArgumentException>(LeaderboardApp.Definition, new Dictionary<string, object> { [ContextKeys.XRayTracing] = "true" });

        Assert.Contains("'xrayTracing' needs 'otelCollectorLayerArn'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownRemovalPolicyIsRefused()
    {
        var failure = Refused<ArgumentException>(LeaderboardApp.Definition, new Dictionary<string, object> { [ContextKeys.RemovalPolicy] = "shred" });

        Assert.Contains("'removalPolicy' is 'shred'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFunctionOutputWithoutTheAssemblyLambdaRunsIsRefused()
    {
        var empty = Directory.CreateTempSubdirectory("cdk-tests-empty-");
        try
        {
            var failure = Refused<InvalidOperationException>(LeaderboardApp.Definition, new Dictionary<string, object> { [ContextKeys.FunctionAssets] = empty.FullName });

            Assert.Contains($"lacks {LeaderboardApp.Api.AssemblyName}.dll and {LeaderboardApp.Api.AssemblyName}.runtimeconfig.json", failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    private static AppDefinition WithApi(HttpApiDefinition api) => LeaderboardApp.Definition with { HttpApis = [api] };

    /// <summary>The definition with <paramref name="function"/> in place of the function of the same name.</summary>
    private static AppDefinition WithFunction(FunctionDefinition function) => LeaderboardApp.Definition with
    {
        Functions = [.. LeaderboardApp.Definition.Functions.Select(declared => declared.Name == function.Name ? function : declared)],
    };

    private static AppDefinition WithRoutes(params RouteDefinition[] routes) =>
        WithApi(LeaderboardApp.HttpApi with { Routes = [.. LeaderboardApp.HttpApi.Routes, .. routes] });

    private static TException Refused<TException>(AppDefinition definition, IDictionary<string, object>? context = null)
        where TException : Exception =>
        Assert.IsType<TException>(Record.Exception(() => Synthesis.Create(definition, context).Dispose()));
}
