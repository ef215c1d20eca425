using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AppHost.Definition;
using AppHost.Emulators.EventSources;
using AppHost.Emulators.Tests;
using AppHost.Hosting;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.DependencyInjection;

namespace EndToEnd.Tests;

[Collection(nameof(SharedLeaderboardApp))]
public class LeaderboardAppTests(LeaderboardAppFixture fixture)
{
    private HttpClient Gateway => fixture.Gateway;

    [Fact]
    public void TheAppHasTheResourcesOfTheDiagram()
    {
        var app = LeaderboardApp.Definition;
        // The definition's parts, and what runs them locally: DynamoDB Local and the Lambda emulator.
        string[] expected =
        [
            LeaderboardApp.Names.DynamoDb, LeaderboardApp.Names.LambdaEmulator,
            .. app.Tables.Select(table => table.Name),
            .. app.Functions.Select(function => function.Name),
            .. app.Functions.Where(function => function.Streams.Count > 0).Select(function => function.Name + "-stream"),
            // The local SQS, the app's queues and their mappings, and each stream mapping's on-failure queue.
            LeaderboardApp.Names.Sqs,
            .. app.Queues.Select(queue => queue.Name),
            .. app.Functions.SelectMany(function => function.Queues.Select(source => $"{function.Name}-{source.Queue}")),
            .. app.Functions.SelectMany(function => function.Streams.Select(stream => StreamEventSourceResource.OnFailureQueueName(stream.Table, function.Name))),
            .. app.Functions.SelectMany(function => function.Schedules).Select(schedule => schedule.Name),
            .. app.HttpApis.Select(api => api.Name),
            .. app.WebSocketApis.Select(api => api.Name),
            .. app.Sites.Select(site => site.Name),
            // Each secret: its parameter (named as the secret) and the secret resource under it.
            .. app.Secrets.SelectMany(secret => new[] { secret.Name, secret.Name + "-secret" }),
        ];

        Assert.Equal(expected.Order(StringComparer.Ordinal), fixture.App.Resources.Select(resource => resource.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AMatchPostedThroughTheGatewayReachesTheLeaderboardThroughTheStream()
    {
        var (alice, bob) = (await CreatePlayerAsync("Alice"), await CreatePlayerAsync("Bob"));

        using var accepted = await Gateway.PostAsJsonAsync("matches", Match("e2e-first", "e2e-board-1", (alice, 70, "win"), (bob, 30, "loss")));

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.True(await Polling.UntilAsync(async () => (await BoardAsync("e2e-board-1")).Count == 2, TimeSpan.FromSeconds(20)));
        var board = await BoardAsync("e2e-board-1");
        Assert.Equal([(1L, alice, 70L), (2L, bob, 30L)], board);
    }

    [Fact]
    public async Task AFunctionsConsoleShowsLambdasReportLineForARequest()
    {
        using var health = await Gateway.GetAsync("health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var console = await fixture.App.ConsoleOfAsync(LeaderboardApp.Names.Api, line => line.Contains("REPORT RequestId: ", StringComparison.Ordinal), timeout.Token);

        Assert.Contains("START RequestId: ", console, StringComparison.Ordinal);
        Assert.Matches(@"REPORT RequestId: \S+\tDuration: [0-9.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 512 MB", console);
    }

    [Fact]
    public async Task WritingAMatchNeedsATokenWithTheWriteScopeEvenWhenSigned()
    {
        // Signed, without a token: the gateway's JWT authorizer refuses it before the function sees it.
        using var anonymous = fixture.App.CreateGatewayClient();
        using var withoutToken = await anonymous.PostAsJsonAsync("matches", Match("e2e-denied", "b", ("a", 1, "win"), ("b", 1, "loss")));
        var readOnly = await anonymous.GetFromJsonAsync<JsonElement>("_auth/dev-token?scope=matches:read");
        using var request = new HttpRequestMessage(HttpMethod.Post, "matches") { Content = JsonContent.Create(Match("e2e-denied", "b", ("a", 1, "win"), ("b", 1, "loss"))) };
        request.Headers.Authorization = new("Bearer", readOnly.GetProperty("accessToken").GetString());
        using var withoutScope = await anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, withoutToken.StatusCode);
        Assert.Equal("""{"message":"Unauthorized"}""", await withoutToken.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, withoutScope.StatusCode);
    }

    [Fact]
    public async Task WithATokenAMatchThatIsNotSignedWithTheAppsKeyIsRefusedByTheFunctionAndNotStored()
    {
        var (alice, bob) = (await CreatePlayerAsync("Alice"), await CreatePlayerAsync("Bob"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "matches") { Content = JsonContent.Create(Match("e2e-unsigned", "e2e-board-unsigned", (alice, 1, "win"), (bob, 0, "loss"))) };
        request.Headers.Authorization = Gateway.DefaultRequestHeaders.Authorization;
        using var otherKey = fixture.App.CreateGatewayClient("a key that is not the app's");
        otherKey.DefaultRequestHeaders.Authorization = Gateway.DefaultRequestHeaders.Authorization;

        using var plain = new HttpClient { BaseAddress = Gateway.BaseAddress };
        using var unsigned = await plain.SendAsync(request);
        using var wrongKey = await otherKey.PostAsJsonAsync("matches", Match("e2e-wrong-key", "e2e-board-unsigned", (alice, 1, "win"), (bob, 0, "loss")));

        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal("application/problem+json", unsigned.Content.Headers.ContentType?.MediaType);
        Assert.Contains("X-Leaderboard-Signature", await unsigned.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Gateway.GetAsync("matches/e2e-unsigned")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Gateway.GetAsync("matches/e2e-wrong-key")).StatusCode);
    }

    [Fact]
    public async Task ManyMatchesThroughTheStreamGiveTotalsEqualToARecomputation()
    {
        var players = await CreatePlayersAsync(8, "Many");
        var expected = await SubmitRandomMatchesAsync(players, "e2e-many", "e2e-board-many", count: 60, seed: 7);

        Assert.True(await Polling.UntilAsync(async () => await TotalsAsync(players, "e2e-board-many") is var totals && totals.SequenceEqual(expected), TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task AProcessorKilledHalfWayThroughABatchStillGivesExactTotals()
    {
        var players = await CreatePlayersAsync(6, "Crash");
        var processor = await fixture.App.Resource<LambdaFunctionResource>(LeaderboardApp.Names.Processor).Function;
        var expected = await SubmitRandomMatchesAsync(players, "e2e-crash", "e2e-board-crash", count: 80, seed: 11);
        // Kill the processor's environments as soon as the first results have been applied.
        Assert.True(await Polling.UntilAsync(async () => (await TotalsAsync(players, "e2e-board-crash")).Any(points => points > 0), TimeSpan.FromSeconds(30)));
        foreach (var processId in processor.ProcessIds)
        {
            Process.GetProcessById(processId).Kill();
        }

        Assert.True(await Polling.UntilAsync(async () => (await TotalsAsync(players, "e2e-board-crash")).SequenceEqual(expected), TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task APoisonedRecordLandsOnTheFailureListWhileTheRestOfTheBatchIsProcessed()
    {
        var (alice, bob) = (await CreatePlayerAsync("Alice"), await CreatePlayerAsync("Bob"));
        var stream = fixture.App.Resource<StreamEventSourceResource>("leaderboard-processor-stream");
        var database = fixture.App.Resource<DynamoDbLocalResource>(LeaderboardApp.Names.DynamoDb);
        using (var client = database.CreateDynamoDbClient())
        {
            // A match item the processor cannot read: its results are not a list.
            await client.PutItemAsync(LeaderboardApp.Table.Name, new Dictionary<string, AttributeValue>
            {
                ["PK"] = new() { S = "MATCH#e2e-poison" },
                ["SK"] = new() { S = "MATCH" },
                ["matchId"] = new() { S = "e2e-poison" },
                ["boardId"] = new() { S = "e2e-board-poison" },
                ["playedAt"] = new() { S = "2026-01-01T00:00:00Z" },
                ["requestHash"] = new() { S = "x" },
                ["results"] = new() { S = "not a list" },
            });
        }
        using var good = await Gateway.PostAsJsonAsync("matches", Match("e2e-after-poison", "e2e-board-poison", (alice, 5, "win"), (bob, 1, "loss")));

        Assert.True(await Polling.UntilAsync(async () => (await BoardAsync("e2e-board-poison")).Count == 2, TimeSpan.FromSeconds(30)));
        // AWS's on-failure record names where the batch is in the stream; the record itself is read from there.
        var onFailure = await Polling.UntilValueAsync(async () => (await Sqs.ReceiveAsync(stream.OnFailureQueue.Url, 10, 1, CancellationToken.None)).SingleOrDefault(), TimeSpan.FromSeconds(30));
        var record = JsonDocument.Parse(onFailure!["Body"]!.GetValue<string>()).RootElement;
        Assert.Equal("RetryAttemptsExhausted", record.GetProperty("requestContext").GetProperty("condition").GetString());
        Assert.EndsWith(":function:" + LeaderboardApp.Names.Processor, record.GetProperty("requestContext").GetProperty("functionArn").GetString(), StringComparison.Ordinal);
        var batch = record.GetProperty("DDBStreamBatchInfo");
        Assert.Equal(1, batch.GetProperty("batchSize").GetInt32());
        Assert.Equal(batch.GetProperty("startSequenceNumber").GetString(), batch.GetProperty("endSequenceNumber").GetString());
        Assert.Equal(await stream.Table.StreamArn, batch.GetProperty("streamArn").GetString());
        var streams = new DynamoDbStreamsClient(SqsHttp, new Uri(database.Endpoint.Url));
        var iterator = await streams.GetShardIteratorAsync(batch.GetProperty("streamArn").GetString()!, batch.GetProperty("shardId").GetString()!,
            "AT_SEQUENCE_NUMBER", batch.GetProperty("startSequenceNumber").GetString(), CancellationToken.None);
        var failed = (await streams.GetRecordsAsync(iterator, 1, CancellationToken.None)).Records.Single();
        Assert.Equal("MATCH#e2e-poison", (string?)failed["dynamodb"]!["Keys"]!["PK"]!["S"]);
    }

    [Fact]
    public async Task AMatchResultSentToTheIntakeQueueWithTheAwsCliReachesTheBoard()
    {
        var (alice, bob) = (await CreatePlayerAsync("Alice"), await CreatePlayerAsync("Bob"));
        var body = JsonSerializer.Serialize(new[] { Match("e2e-queued-1", "e2e-board-queue", (alice, 40, "win"), (bob, 20, "loss")), Match("e2e-queued-2", "e2e-board-queue", (alice, 5, "loss"), (bob, 9, "win")) });

        var sent = await AwsCli.RunAsync("sqs", "send-message", "--endpoint-url", IntakeQueue.Parent.Endpoint, "--queue-url", IntakeQueue.Url, "--message-body", body,
            "--message-attributes", JsonSerializer.Serialize(SignedIntakeMessages.SignatureAttribute(body)));

        Assert.True(sent.ExitCode == 0, sent.Stderr);
        Assert.Contains("MessageId", sent.Stdout, StringComparison.Ordinal);
        Assert.True(await Polling.UntilAsync(async () => (await BoardAsync("e2e-board-queue")).Count == 2, TimeSpan.FromSeconds(30)));
        Assert.True(await Polling.UntilAsync(async () => (await BoardAsync("e2e-board-queue")).Sum(standing => standing.Points) == 74, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task APoisonedIntakeMessageIsDeadLetteredWithoutHoldingUpItsBatchAndTheRedriveCommandBringsItBack()
    {
        var (alice, bob) = (await CreatePlayerAsync("Alice"), await CreatePlayerAsync("Bob"));
        var carol = $"e2e-late-{Guid.NewGuid():N}";
        // A short visibility timeout, so the poisoned message's three receives take seconds rather than minutes; still
        // longer than a batch's gathering window (1 s) and its invocation, so that no other poller receives a message
        // again while its batch is in flight (which would count receives of the good message too).
        await Sqs.SetAttributesAsync(IntakeQueue.Url, new Dictionary<string, string> { ["VisibilityTimeout"] = "4" }, CancellationToken.None);
        try
        {
            var poisoned = JsonSerializer.Serialize(Match("e2e-poisoned", "e2e-board-dlq", (alice, 3, "win"), (carol, 1, "loss")));
            var good = JsonSerializer.Serialize(Match("e2e-beside-poison", "e2e-board-dlq", (alice, 7, "win"), (bob, 2, "loss")));
            await SendSignedAsync(poisoned);
            await SendSignedAsync(good);

            Assert.True(await Polling.UntilAsync(async () => (await BoardAsync("e2e-board-dlq")).Count == 2, TimeSpan.FromSeconds(30)));
            var deadLetterUrl = IntakeQueue.Url + "-dlq";
            Assert.True(await Polling.UntilAsync(async () => (await Sqs.AttributesAsync(deadLetterUrl, CancellationToken.None))["ApproximateNumberOfMessages"] == "1", TimeSpan.FromSeconds(30)));

            // The missing player arrives; the redrive sends the message back and this time it is stored.
            await CreatePlayerWithIdAsync(carol);
            var redrive = await fixture.App.App.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(IntakeQueue, "redrive", CancellationToken.None);

            Assert.True(redrive.Success, redrive.Message);
            Assert.True(await Polling.UntilAsync(async () => (await BoardAsync("e2e-board-dlq")).Count == 3, TimeSpan.FromSeconds(30)));
            Assert.Equal("0", (await Sqs.AttributesAsync(deadLetterUrl, CancellationToken.None))["ApproximateNumberOfMessages"]);
        }
        finally
        {
            await Sqs.SetAttributesAsync(IntakeQueue.Url, new Dictionary<string, string> { ["VisibilityTimeout"] = LeaderboardApp.MatchIntakeQueue.VisibilityTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) }, CancellationToken.None);
        }
    }

    [Fact]
    public async Task TheAwsCliInvokesTheApiFunctionWithAnApiGatewayEvent()
    {
        var payload = Path.GetTempFileName();
        var output = Path.GetTempFileName();
        await File.WriteAllTextAsync(payload, """
            {"version":"2.0","routeKey":"GET /health","rawPath":"/health","rawQueryString":"","headers":{"accept":"application/json"},
             "requestContext":{"accountId":"000000000000","apiId":"local","domainName":"localhost","http":{"method":"GET","path":"/health","protocol":"HTTP/1.1","sourceIp":"127.0.0.1","userAgent":"aws-cli"},
             "requestId":"cli-1","routeKey":"GET /health","stage":"$default","time":"22/Nov/2026:10:00:00 +0000","timeEpoch":1795000000000},"isBase64Encoded":false}
            """);
        var invoked = await AwsCli.RunAsync("lambda", "invoke", "--endpoint-url", fixture.App.LambdaEndpoint.ToString(),
            "--function-name", LeaderboardApp.Names.Api, "--payload", "fileb://" + payload, output);

        Assert.True(invoked.ExitCode == 0, invoked.Stderr);
        var response = JsonDocument.Parse(await File.ReadAllTextAsync(output)).RootElement;
        Assert.Equal(200, response.GetProperty("statusCode").GetInt32());
        Assert.Equal("Healthy", response.GetProperty("body").GetString());
        File.Delete(payload);
        File.Delete(output);
    }

    private SqsQueueResource IntakeQueue => fixture.App.Resource<SqsQueueResource>(LeaderboardApp.Names.MatchIntakeQueue);

    private static readonly HttpClient SqsHttp = new() { Timeout = TimeSpan.FromSeconds(30) };

    private SqsQueueClient Sqs => new(SqsHttp, new Uri(IntakeQueue.Parent.Endpoint));

    private async Task SendSignedAsync(string body)
    {
        using var request = SignedIntakeMessages.SendMessage(IntakeQueue.Parent.Endpoint, IntakeQueue.Url, body);
        using var response = await SqsHttp.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Writes a player of a chosen id straight into the table, as an operator repairing data would.</summary>
    private async Task CreatePlayerWithIdAsync(string playerId)
    {
        using var client = fixture.App.Resource<DynamoDbLocalResource>(LeaderboardApp.Names.DynamoDb).CreateDynamoDbClient();
        await client.PutItemAsync(LeaderboardApp.Table.Name, new Dictionary<string, AttributeValue>
        {
            ["PK"] = new() { S = "PLAYER#" + playerId },
            ["SK"] = new() { S = "PROFILE" },
            ["Type"] = new() { S = "Player" },
            ["playerId"] = new() { S = playerId },
            ["displayName"] = new() { S = "Carol" },
            ["createdAt"] = new() { S = "2026-01-01T00:00:00.0000000+00:00" },
        });
    }

    private async Task<string> CreatePlayerAsync(string name)
    {
        using var response = await Gateway.PostAsJsonAsync("players", new { displayName = name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("playerId").GetString()!;
    }

    private async Task<List<string>> CreatePlayersAsync(int count, string prefix)
    {
        var players = new List<string>();
        for (var index = 0; index < count; index++)
        {
            players.Add(await CreatePlayerAsync($"{prefix} {index}"));
        }
        return players;
    }

    /// <summary>Submits random matches and returns each player's expected points, in player order.</summary>
    private async Task<List<long>> SubmitRandomMatchesAsync(List<string> players, string matchPrefix, string boardId, int count, int seed)
    {
        var random = new Random(seed);
        var expected = players.ToDictionary(player => player, _ => 0L);
        var submissions = Enumerable.Range(0, count).Select(index =>
        {
            var participants = players.OrderBy(_ => random.Next()).Take(random.Next(2, 5)).ToList();
            var results = participants.Select((player, place) => (player, (long)random.Next(0, 100), place == 0 ? "win" : "loss")).ToArray();
            foreach (var (player, score, _) in results)
            {
                expected[player] += score;
            }
            return Match($"{matchPrefix}-{index}", boardId, results);
        }).ToList();
        await Parallel.ForEachAsync(submissions, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (match, token) =>
        {
            using var response = await Gateway.PostAsJsonAsync("matches", match, token);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        });
        return players.Select(player => expected[player]).ToList();
    }

    private async Task<List<long>> TotalsAsync(List<string> players, string boardId)
    {
        var totals = new List<long>();
        foreach (var player in players)
        {
            var details = await Gateway.GetFromJsonAsync<JsonElement>($"players/{player}");
            var board = details.GetProperty("boards").EnumerateArray().FirstOrDefault(b => b.GetProperty("boardId").GetString() == boardId);
            totals.Add(board.ValueKind == JsonValueKind.Object ? board.GetProperty("points").GetInt64() : 0);
        }
        return totals;
    }

    private async Task<List<(long Rank, string PlayerId, long Points)>> BoardAsync(string boardId)
    {
        var board = await Gateway.GetFromJsonAsync<JsonElement>($"leaderboards/{boardId}");
        return board.GetProperty("entries").EnumerateArray()
            .Select(entry => (entry.GetProperty("rank").GetInt64(), entry.GetProperty("playerId").GetString()!, entry.GetProperty("points").GetInt64()))
            .ToList();
    }

    private static object Match(string matchId, string boardId, params (string PlayerId, long Score, string Outcome)[] results) => new
    {
        matchId,
        boardId,
        results = results.Select(result => new { playerId = result.PlayerId, score = result.Score, outcome = result.Outcome }).ToArray(),
    };
}
