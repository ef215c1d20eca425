using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AppHost.Definition;
using AppHost.Emulators.TestTool;
using AppHost.Hosting;
using Leaderboard.Core;
using Microsoft.Extensions.DependencyInjection;

namespace EndToEnd.Tests;

/// <summary>The Lambda test tool of the running app: samples from its definition, invocations, and the dashboard's commands.</summary>
[Collection(nameof(SharedLeaderboardApp))]
public class TestToolAppTests(LeaderboardAppFixture fixture)
{
    private HttpClient TestTool() => new() { BaseAddress = new Uri(fixture.App.LambdaEndpoint, LambdaTestTool.ApiPath + "/") };

    private ResourceCommandService Commands => fixture.App.App.Services.GetRequiredService<ResourceCommandService>();

    private static InteractionInputCollection Arguments(params (string Name, string Value)[] values) =>
        new([.. values.Select(value => new InteractionInput { Name = value.Name, InputType = InputType.Text, Value = value.Value })]);

    private static async Task<JsonArray> SamplesAsync(HttpClient tool, string function) =>
        JsonNode.Parse(await tool.GetStringAsync($"{function}/samples"))!.AsArray();

    private static async Task<JsonObject> InvokeAsync(HttpClient tool, string function, JsonNode payload)
    {
        using var response = await tool.PostAsync($"{function}/invoke", new StringContent(payload.ToJsonString(), Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    [Fact]
    public async Task EveryRouteHasASampleAndEverySampleIsAnsweredWithoutAServerError()
    {
        using var tool = TestTool();
        var samples = await SamplesAsync(tool, LeaderboardApp.Names.Api);

        foreach (var route in LeaderboardApp.HttpApi.Routes)
        {
            var sample = samples.SingleOrDefault(candidate => candidate!["title"]!.GetValue<string>().StartsWith(route.RouteKey + " ", StringComparison.Ordinal)
                || candidate!["title"]!.GetValue<string>() == route.RouteKey);
            Assert.True(sample is not null, $"no sample for {route.RouteKey}");
            Assert.Equal(route.RouteKey, sample!["event"]!["routeKey"]!.GetValue<string>());
            var view = await InvokeAsync(tool, LeaderboardApp.Names.Api, sample["event"]!);
            Assert.Equal("Succeeded", view["status"]!.GetValue<string>());
            var statusCode = view["response"]!["statusCode"]!.GetValue<int>();
            Assert.True(statusCode is >= 200 and < 500, $"{route.RouteKey} answered {statusCode}: {view["response"]!["body"]}");
        }
        Assert.Equal("hello-world", samples[^1]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheLiveFunctionHasASamplePerWebSocketRouteAndItsStreamAndEachIsAnsweredAsTheRouteExpects()
    {
        using var tool = TestTool();
        var samples = await SamplesAsync(tool, LeaderboardApp.Names.Live);
        JsonNode Sample(string title) => samples.Single(sample => sample!["title"]!.GetValue<string>() == title)!["event"]!;

        Assert.Equal(
            LeaderboardApp.WebSocketApi.Routes.Select(route => $"WebSocket {route.RouteKey}"),
            samples.Select(sample => sample!["title"]!.GetValue<string>()).Where(title => title.StartsWith("WebSocket ", StringComparison.Ordinal)));
        var connect = await InvokeAsync(tool, LeaderboardApp.Names.Live, Sample("WebSocket $connect"));
        var subscribe = await InvokeAsync(tool, LeaderboardApp.Names.Live, Sample("WebSocket subscribe"));
        var unknown = await InvokeAsync(tool, LeaderboardApp.Names.Live, Sample("WebSocket $default"));
        var disconnect = await InvokeAsync(tool, LeaderboardApp.Names.Live, Sample("WebSocket $disconnect"));
        var batch = await InvokeAsync(tool, LeaderboardApp.Names.Live, samples.Single(sample => sample!["id"]!.GetValue<string>() == "stream-batch")!["event"]!);

        Assert.Equal(200, connect["response"]!["statusCode"]!.GetValue<int>());
        Assert.Equal(200, subscribe["response"]!["statusCode"]!.GetValue<int>());
        Assert.Contains("\"type\":\"subscribed\"", subscribe["response"]!["body"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(400, unknown["response"]!["statusCode"]!.GetValue<int>());
        Assert.Contains("Unknown action", unknown["response"]!["body"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(200, disconnect["response"]!["statusCode"]!.GetValue<int>());
        Assert.Equal("Succeeded", batch["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheWriteSamplesPassValidation()
    {
        using var tool = TestTool();
        var samples = await SamplesAsync(tool, LeaderboardApp.Names.Api);
        JsonNode Sample(string id) => samples.Single(sample => sample!["id"]!.GetValue<string>() == id)!["event"]!;

        // The tool signs the sample as a game server signs it, with the app's key, so the answer is about the body.
        var matchSample = Sample("post-matches");
        Assert.Equal(
            MatchSignature.Sign(LocalCloudTestApp.MatchSigningKey, matchSample["body"]!.GetValue<string>()),
            matchSample["headers"]![MatchSignature.HeaderName.ToLowerInvariant()]!.GetValue<string>());

        var player = await InvokeAsync(tool, LeaderboardApp.Names.Api, Sample("post-players"));
        var match = await InvokeAsync(tool, LeaderboardApp.Names.Api, matchSample);

        Assert.Equal(201, player["response"]!["statusCode"]!.GetValue<int>());
        // Its players (player-1, player-2) need not exist: the body is valid, so the answer is about them, not the shape.
        Assert.DoesNotContain(match["response"]!["statusCode"]!.GetValue<int>(), new[] { 400, 401, 403 });
        Assert.True(match["response"]!["statusCode"]!.GetValue<int>() < 500);
    }

    [Fact]
    public async Task TheProcessorsStreamSampleIsABatchOfItsTableThatItHandles()
    {
        using var tool = TestTool();
        var samples = await SamplesAsync(tool, LeaderboardApp.Names.Processor);
        var batch = samples.Single(sample => sample!["id"]!.GetValue<string>() == "stream-batch")!["event"]!;
        var streamArn = await fixture.App.Resource<DynamoDbTableResource>(LeaderboardApp.Names.Table).StreamArn;

        var view = await InvokeAsync(tool, LeaderboardApp.Names.Processor, batch);

        Assert.Equal(streamArn, batch["Records"]![0]!["eventSourceARN"]!.GetValue<string>());
        Assert.Equal(["PK", "SK"], batch["Records"]![0]!["dynamodb"]!["Keys"]!.AsObject().Select(key => key.Key));
        Assert.Equal("Succeeded", view["status"]!.GetValue<string>());
        Assert.Empty(view["payload"]!["batchItemFailures"]!.AsArray());
    }

    [Fact]
    public async Task TheIntakesQueueSampleIsABatchOfItsQueueWhoseExampleMessageItReportsWhenItsPlayersDoNotExist()
    {
        using var tool = TestTool();
        var samples = await SamplesAsync(tool, LeaderboardApp.Names.Intake);
        var batch = samples.Single(sample => sample!["id"]!.GetValue<string>() == "sqs-match-intake")!["event"]!;
        var record = batch["Records"]!.AsArray().Single()!;
        // The tool signs the sample as a game server signs it, so the message is reported for its players, not its signature.
        Assert.Equal(
            MatchSignature.Sign(LocalCloudTestApp.MatchSigningKey, record["body"]!.GetValue<string>()),
            record["messageAttributes"]![MatchSignature.MessageAttributeName]!["stringValue"]!.GetValue<string>());

        var view = await InvokeAsync(tool, LeaderboardApp.Names.Intake, batch);

        Assert.Equal(fixture.App.Resource<SqsQueueResource>(LeaderboardApp.Names.MatchIntakeQueue).Arn, record["eventSourceARN"]!.GetValue<string>());
        Assert.Equal("aws:sqs", record["eventSource"]!.GetValue<string>());
        Assert.Equal(LeaderboardApp.MatchIntakeQueue.ExampleMessage, record["body"]!.GetValue<string>());
        Assert.Equal("Succeeded", view["status"]!.GetValue<string>());
        // The example's players (player-1, player-2) are not created by this test: the message is reported for retry.
        Assert.Equal(record["messageId"]!.GetValue<string>(), view["payload"]!["batchItemFailures"]!.AsArray().Single()!["itemIdentifier"]!.GetValue<string>());
    }

    [Fact]
    public async Task APlainEventToTheStreamFunctionShowsItsErrorTypeAndLogTail()
    {
        using var tool = TestTool();

        var view = await InvokeAsync(tool, LeaderboardApp.Names.Processor, SampleEvent.HelloWorld().Event);

        Assert.Equal("FunctionError", view["status"]!.GetValue<string>());
        Assert.Equal("System.IO.InvalidDataException", view["error"]!["errorType"]!.GetValue<string>());
        Assert.Contains("REPORT RequestId", view["logTail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheDashboardsInvokeCommandSendsAChosenSampleOrAnyEventAndRefusesBrokenJson()
    {
        var api = fixture.App.Resource<LambdaFunctionResource>(LeaderboardApp.Names.Api);

        var fromSample = await Commands.ExecuteCommandAsync(api, "invoke", Arguments(("sample", "sample:get-health")), CancellationToken.None);
        var fromPayload = await Commands.ExecuteCommandAsync(api, "invoke", Arguments(("payload", """{"written":"by hand"}""")), CancellationToken.None);
        var refused = await Commands.ExecuteCommandAsync(api, "invoke", Arguments(("payload", "{\"broken\": ")), CancellationToken.None);
        var unknown = await Commands.ExecuteCommandAsync(api, "invoke", Arguments(("sample", "sample:nothing-like-it")), CancellationToken.None);

        Assert.True(fromSample.Success, fromSample.Message);
        var shown = JsonDocument.Parse(fromSample.Data!.Value).RootElement;
        Assert.Equal(200, shown.GetProperty("response").GetProperty("statusCode").GetInt32());
        Assert.Contains("REPORT RequestId", shown.GetProperty("logTail").GetString(), StringComparison.Ordinal);
        Assert.Contains("statusCode 200", fromSample.Message, StringComparison.Ordinal);
        Assert.True(fromPayload.Success, fromPayload.Message);
        Assert.Equal(404, JsonDocument.Parse(fromPayload.Data!.Value).RootElement.GetProperty("response").GetProperty("statusCode").GetInt32());
        Assert.False(refused.Success);
        Assert.Contains("validation failed", refused.Message, StringComparison.Ordinal);
        // A choice outside the function's samples and saved requests never reaches the function.
        Assert.False(unknown.Success);
        Assert.Contains("validation failed", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheDevTokenCommandMintsATokenWithTheScopesAsked()
    {
        var gateway = fixture.App.Resource<ApiGatewayEmulatorResource>(LeaderboardApp.Names.ApiGateway);

        var result = await Commands.ExecuteCommandAsync(gateway, "dev-token", Arguments(("scopes", "matches:write")), CancellationToken.None);

        Assert.True(result.Success, result.Message);
        var token = result.Data!.Value;
        var payload = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        var claims = JsonDocument.Parse(Convert.FromBase64String(payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '='))).RootElement;
        Assert.Equal("matches:write", claims.GetProperty("scope").GetString());
        using var anonymous = fixture.App.CreateGatewayClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "matches") { Content = JsonContent.Create(new { }) };
        request.Headers.Authorization = new("Bearer", token);
        using var answered = await anonymous.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, answered.StatusCode);
    }

    [Fact]
    public async Task RecyclingMakesTheNextInvocationAColdStart()
    {
        using var tool = TestTool();
        var health = (await SamplesAsync(tool, LeaderboardApp.Names.Api)).Single(sample => sample!["id"]!.GetValue<string>() == "get-health")!["event"]!;
        await InvokeAsync(tool, LeaderboardApp.Names.Api, health);
        var warm = await InvokeAsync(tool, LeaderboardApp.Names.Api, health);

        var recycled = await Commands.ExecuteCommandAsync(fixture.App.Resource<LambdaFunctionResource>(LeaderboardApp.Names.Api), "recycle-environments", CancellationToken.None);
        var cold = await InvokeAsync(tool, LeaderboardApp.Names.Api, health);

        Assert.True(recycled.Success, recycled.Message);
        Assert.False(warm["coldStart"]!.GetValue<bool>());
        Assert.True(cold["coldStart"]!.GetValue<bool>());
        Assert.Equal(200, cold["response"]!["statusCode"]!.GetValue<int>());
    }

    [Fact]
    public async Task EachFunctionLinksToTheTestToolWithItSelected()
    {
        foreach (var name in new[] { LeaderboardApp.Names.Api, LeaderboardApp.Names.Processor })
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var state = await fixture.App.App.ResourceNotifications.WaitForResourceAsync(name,
                resource => resource.Snapshot.Urls.Any(url => url.DisplayProperties.DisplayName == "Test tool"), timeout.Token);
            var link = new Uri(state.Snapshot.Urls.Single(url => url.DisplayProperties.DisplayName == "Test tool").Url);
            Assert.Equal(fixture.App.LambdaEndpoint.Port, link.Port);
            Assert.Equal($"?function={name}", link.Query);
        }
    }
}
