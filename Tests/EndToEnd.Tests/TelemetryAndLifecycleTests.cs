using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using AppHost.Definition;
using AppHost.Hosting;

namespace EndToEnd.Tests;

/// <summary>
/// Runs alone: each test starts its own app, and the telemetry test's spans travel through exporters
/// that drop what they cannot deliver in time on a saturated machine.
/// </summary>
[CollectionDefinition(nameof(TelemetryAndLifecycleTests), DisableParallelization = true)]
public sealed class RunsAlone;

[Collection(nameof(TelemetryAndLifecycleTests))]
public class TelemetryAndLifecycleTests
{
    [Fact]
    public async Task ARequestThroughTheGatewayIsOneTraceFromGatewayToFunctionToDynamoDbAndTheStreamAndQueueHopsLinkBack()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();
        await using var app = await LocalCloudTestApp.StartAsync($"--OtlpEndpoint={receiver.Endpoint}");
        using var gateway = app.CreateGatewayClient();
        var token = (await gateway.GetFromJsonAsync<JsonElement>("_auth/dev-token?scope=matches:write")).GetProperty("accessToken").GetString();
        var players = new List<string>();
        foreach (var name in new[] { "Traced A", "Traced B" })
        {
            using var created = await gateway.PostAsJsonAsync("players", new { displayName = name });
            players.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("playerId").GetString()!);
        }
        using var submit = new HttpRequestMessage(HttpMethod.Post, "matches")
        {
            Content = JsonContent.Create(new { matchId = "traced-match", boardId = "traced", results = new[] { new { playerId = players[0], score = 3, outcome = "win" }, new { playerId = players[1], score = 1, outcome = "loss" } } }),
        };
        submit.Headers.Authorization = new("Bearer", token);
        using var accepted = await gateway.SendAsync(submit);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        // The request: gateway server span → gateway invoke span → function span → DynamoDB span. The
        // services export in batches on their own schedules, so the chain is awaited whole.
        ReceivedSpan? gatewaySpan = null;
        bool Chained()
        {
            if (TraceOf(receiver, "POST /matches") is not { } trace)
            {
                return false;
            }
            gatewaySpan = trace.FirstOrDefault(span => span.Service == LeaderboardApp.Names.ApiGateway && span.Name == "POST /matches");
            var invokeSpan = trace.FirstOrDefault(span => span.Service == LeaderboardApp.Names.ApiGateway && span.ParentSpanId == gatewaySpan?.SpanId);
            var functionSpan = trace.FirstOrDefault(span => span.Service == LeaderboardApp.Names.Api && span.ParentSpanId == invokeSpan?.SpanId);
            return functionSpan is not null && trace.Any(span => span.Name.StartsWith("DynamoDB", StringComparison.Ordinal) && span.ParentSpanId == functionSpan.SpanId);
        }
        Assert.True(await Polling.UntilAsync(() => Task.FromResult(Chained()), TimeSpan.FromSeconds(90)));
        Assert.NotNull(gatewaySpan);
        // A DynamoDB call is its SDK client span and the HTTP call beneath it; the SDK's internal steps are not recorded.
        var dynamoDbCall = TraceOf(receiver, "POST /matches")!.First(span => span.Name.StartsWith("DynamoDB", StringComparison.Ordinal));
        Assert.Contains(receiver.Spans, span => span.ParentSpanId == dynamoDbCall.SpanId && span.Name.StartsWith("POST", StringComparison.Ordinal));
        Assert.DoesNotContain(receiver.Spans, span => span.Name is "CredentialsRetrieval" or "HttpRequest");

        // The stream hop: the poller's batch span links to the request's trace, and the processor continues the batch's trace.
        Assert.True(await Polling.UntilAsync(() => Task.FromResult(receiver.Spans
            .Where(span => span.Service == "leaderboard-processor-stream" && span.LinkedTraceIds.Contains(gatewaySpan!.TraceId))
            .Any(batch => receiver.Spans.Any(span => span.Service == LeaderboardApp.Names.Processor && span.TraceId == batch.TraceId
                && span.Name.StartsWith("DynamoDB", StringComparison.Ordinal)))), TimeSpan.FromSeconds(90)));
        Assert.DoesNotContain(receiver.Spans, span => span.Service is LeaderboardApp.Names.Api or LeaderboardApp.Names.Processor && span.Name == "GET" && span.ParentSpanId.Length == 0);

        // The queue hop: a traced sender's message (its traceparent header, as an instrumented AWS SDK sends it) is
        // linked from the intake mapping's batch span, and the intake function's writes continue the batch's trace.
        var senderTrace = ActivityTraceId.CreateRandom();
        var queue = app.Resource<SqsQueueResource>(LeaderboardApp.Names.MatchIntakeQueue);
        using var sqs = new HttpClient();
        using var send = SignedIntakeMessages.SendMessage(queue.Parent.Endpoint, queue.Url,
            JsonSerializer.Serialize(new { matchId = "traced-queued", boardId = "traced", results = new[] { new { playerId = players[0], score = 2, outcome = "win" }, new { playerId = players[1], score = 1, outcome = "loss" } } }));
        send.Headers.Add("traceparent", $"00-{senderTrace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using var sent = await sqs.SendAsync(send);
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.True(await Polling.UntilAsync(() => Task.FromResult(receiver.Spans
            .Where(span => span.Service == $"{LeaderboardApp.Names.Intake}-{LeaderboardApp.Names.MatchIntakeQueue}" && span.LinkedTraceIds.Contains(senderTrace.ToHexString()))
            .Any(batch => receiver.Spans.Any(span => span.Service == LeaderboardApp.Names.Intake && span.TraceId == batch.TraceId
                && span.Name.StartsWith("DynamoDB", StringComparison.Ordinal)))), TimeSpan.FromSeconds(90)));
        Assert.True(receiver.Requests.ContainsKey("metrics") || receiver.Requests.ContainsKey("logs"));
    }

    [Fact]
    public async Task AfterStopNoProcessOfTheAppRemainsAndTheDatabasePortIsFree()
    {
        var app = await LocalCloudTestApp.StartAsync();
        var functions = app.Model.Resources.OfType<LambdaFunctionResource>().ToList();
        // Each function's first environment, and the provisioned ones, which start once it is up, as many as its environment limit allows.
        var limits = new Dictionary<string, int>();
        foreach (var function in functions)
        {
            limits[function.Name] = (await function.Function).Settings.EnvironmentLimit;
        }
        var expected = functions.Sum(function => Math.Min(1 + (function.Definition.ProvisionedConcurrency ?? 0), limits[function.Name]));
        // A function is healthy only once its provisioned concurrency is allocated, so they are all up already.
        var processIds = new List<int>();
        foreach (var function in functions)
        {
            processIds.AddRange((await function.Function).ProcessIds);
        }
        Assert.True(processIds.Count == expected, $"{processIds.Count} environments when the app was healthy, not {expected}");
        var databasePort = new Uri(app.Resource<DynamoDbLocalResource>(LeaderboardApp.Names.DynamoDb).Endpoint.Url).Port;
        // Every function of the definition, with its provisioned environments.
        Assert.Equal(LeaderboardApp.Definition.Functions.Sum(function => Math.Min(1 + (function.ProvisionedConcurrency ?? 0), limits[function.Name])), expected);

        await app.DisposeAsync();

        Assert.True(await Polling.UntilAsync(() => Task.FromResult(!processIds.Any(IsRunning)), TimeSpan.FromSeconds(15)),
            $"still running: {string.Join(", ", processIds.Where(IsRunning))}");
        using var probe = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, databasePort));
    }

    private static List<ReceivedSpan>? TraceOf(OtlpTestReceiver receiver, string rootName)
    {
        var root = receiver.Spans.FirstOrDefault(span => span.Name == rootName && span.Service == LeaderboardApp.Names.ApiGateway);
        return root is null ? null : receiver.Spans.Where(span => span.TraceId == root.TraceId).ToList();
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
