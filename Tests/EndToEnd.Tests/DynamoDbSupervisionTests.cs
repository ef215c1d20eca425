using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using AppHost.Definition;
using AppHost.Hosting;
using Xunit.Abstractions;

namespace EndToEnd.Tests;

/// <summary>
/// DynamoDB Local's process is killed with SIGKILL under load: the AppHost starts it again on the
/// same port with the same data, and every match is applied exactly once. Runs alone: it kills a
/// real process and measures how long the store is away.
/// </summary>
[Collection(nameof(TelemetryAndLifecycleTests))]
public sealed class DynamoDbSupervisionTests(ITestOutputHelper output)
{
    private const string Board = "supervised";
    private static readonly TimeSpan LoadInterval = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task AKilledDynamoDbLocalComesBackWithItsDataAndEveryAcceptedMatchIsAppliedOnce()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("dynamodb-supervised-");
        try
        {
            await using var app = await LocalCloudTestApp.StartAsync("--DynamoDb:InMemory=false", $"--DynamoDb:DataDirectory={dataDirectory.FullName}");
            using var gateway = await WriterAsync(app);
            var players = new List<string>();
            for (var index = 0; index < 6; index++)
            {
                using var created = await gateway.PostAsJsonAsync("players", new { displayName = $"Supervised {index}" });
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                players.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("playerId").GetString()!);
            }
            var killed = await JavaProcessIdAsync(app, previous: null);

            // 5 matches a second: 2 s before the kill, through the outage, and 5 s after the store answers again.
            using var load = new CancellationTokenSource();
            var submissions = new ConcurrentDictionary<string, (object Body, string Winner, string Loser)>();
            var statuses = new ConcurrentDictionary<string, HttpStatusCode>();
            var loadRun = SubmitMatchesAsync(gateway, players, submissions, statuses, load.Token);
            await Task.Delay(TimeSpan.FromSeconds(2));
            var outage = Stopwatch.StartNew();
            Process.GetProcessById(killed).Kill();
            // Reads sent while the store is away (load requests may outlast a short outage within their SDK retries).
            var refusedWhileAway = RefusedWhileAwayAsync(gateway);
            await JavaProcessIdAsync(app, previous: killed);
            await AnswersAsync(app.Resource<DynamoDbLocalResource>(LeaderboardApp.Names.DynamoDb));
            output.WriteLine($"DynamoDB Local answered again {outage.Elapsed.TotalSeconds:0.0} s after kill -9");
            await Task.Delay(TimeSpan.FromSeconds(5));
            await load.CancelAsync();
            await loadRun;

            // Each answer is accepted (202, or 200 for a repeat) or refused with 503 while the store is away — nothing
            // else: waiting for a free environment never throttles (only a declared reserved concurrency does).
            output.WriteLine(string.Join(", ", statuses.Values.GroupBy(status => status).Select(group => $"{(int)group.Key}: {group.Count()}")));
            HttpStatusCode[] refused = [HttpStatusCode.ServiceUnavailable];
            HttpStatusCode[] answered = [HttpStatusCode.Accepted, HttpStatusCode.OK, .. refused];
            Assert.All(statuses.Values, status => Assert.Contains(status, answered));
            // Either the reads or the load may see it: a request whose SDK retries straddle a short outage succeeds.
            Assert.True(await refusedWhileAway || statuses.Values.Any(refused.Contains), "no request was refused with 503 while DynamoDB Local was away");
            // A refused match may still have been stored before the answer was lost: as a client does, send it again (idempotent).
            foreach (var matchId in statuses.Where(entry => refused.Contains(entry.Value)).Select(entry => entry.Key).ToList())
            {
                using var again = await gateway.PostAsJsonAsync("matches", submissions[matchId].Body);
                Assert.Contains(again.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.OK });
            }

            // Applied exactly once: each player's wins, losses and matches on the board equal the submissions.
            var expected = players.ToDictionary(player => player, player => (
                Wins: submissions.Values.Count(match => match.Winner == player),
                Losses: submissions.Values.Count(match => match.Loser == player)));
            Dictionary<string, (int Wins, int Losses, int Matches)> totals = [];
            var exact = await Polling.UntilAsync(async () =>
            {
                totals = await TotalsAsync(gateway, players);
                return players.All(player => totals[player] == (expected[player].Wins, expected[player].Losses, expected[player].Wins + expected[player].Losses));
            }, TimeSpan.FromSeconds(90));
            Assert.True(exact, string.Join("; ", players.Select(player => $"{player}: expected {expected[player]}, found {totals.GetValueOrDefault(player)}")));

            // The dashboard tells what happened: the restart count and the console lines.
            var snapshot = await app.App.ResourceNotifications.WaitForResourceAsync(LeaderboardApp.Names.DynamoDb, _ => true);
            Assert.Equal(KnownResourceStates.Running, snapshot.Snapshot.State?.Text);
            Assert.Equal(1, Convert.ToInt32(snapshot.Snapshot.Properties.Single(property => property.Name == "dynamodb.restarts").Value, CultureInfo.InvariantCulture));
            using var consoleTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var console = await app.ConsoleOfAsync(LeaderboardApp.Names.DynamoDb, line => line.Contains("answers again", StringComparison.Ordinal), consoleTimeout.Token);
            Assert.Matches(@"DynamoDB Local exited unexpectedly \(exit code -?\d+\); restarting it on the same port \(restart 1,", console);
            Assert.Contains("its data on disk is kept", console);

            // A stop asked for is left alone.
            var database = app.Resource<DynamoDbLocalResource>(LeaderboardApp.Names.DynamoDb);
            var stopped = await app.App.ResourceCommands.ExecuteCommandAsync(database, KnownResourceCommands.StopCommand);
            Assert.True(stopped.Success, stopped.Message);
            using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await app.ConsoleOfAsync(LeaderboardApp.Names.DynamoDb, line => line.Contains("it stays stopped", StringComparison.Ordinal), stopTimeout.Token);
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.True(app.App.ResourceNotifications.TryGetCurrentState(LeaderboardApp.Names.DynamoDb, out var afterStop));
            Assert.Contains(afterStop.Snapshot.State?.Text, KnownResourceStates.TerminalStates);
            Assert.Equal(1, Convert.ToInt32(afterStop.Snapshot.Properties.Single(property => property.Name == "dynamodb.restarts").Value, CultureInfo.InvariantCulture));
        }
        finally
        {
            dataDirectory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ADynamoDbLocalThatKeepsExitingEndsFailedInsteadOfRestartingForever()
    {
        await using var app = await LocalCloudTestApp.StartAsync();
        int? previous = null;
        // The backoff gives up after the sixth unexpected exit within a minute.
        for (var exit = 1; exit <= 6; exit++)
        {
            var processId = await JavaProcessIdAsync(app, previous);
            Process.GetProcessById(processId).Kill();
            previous = processId;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var failed = await app.App.ResourceNotifications.WaitForResourceAsync(
            LeaderboardApp.Names.DynamoDb, update => update.Snapshot.State?.Text == KnownResourceStates.FailedToStart, timeout.Token);
        Assert.Contains(failed.Snapshot.Properties, property => property.Name == "dynamodb.supervision"
            && Convert.ToString(property.Value, CultureInfo.InvariantCulture)!.Contains("6 times within 60 s", StringComparison.Ordinal));
        Assert.Equal(5, Convert.ToInt32(failed.Snapshot.Properties.Single(property => property.Name == "dynamodb.restarts").Value, CultureInfo.InvariantCulture));
        using var consoleTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var console = await app.ConsoleOfAsync(LeaderboardApp.Names.DynamoDb, line => line.Contains("not restarting it again", StringComparison.Ordinal), consoleTimeout.Token);
        Assert.Contains("it runs in memory: its tables and data are gone", console);
        Assert.Contains("not restarting it again", console);
    }

    /// <summary>The running java process of DynamoDB Local, once it is not <paramref name="previous"/>.</summary>
    private static async Task<int> JavaProcessIdAsync(LocalCloudTestApp app, int? previous)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var running = await app.App.ResourceNotifications.WaitForResourceAsync(LeaderboardApp.Names.DynamoDb, update =>
            update.Snapshot.State?.Text == KnownResourceStates.Running && ProcessIdOf(update) is { } id && id != previous, timeout.Token);
        return ProcessIdOf(running)!.Value;
    }

    private static int? ProcessIdOf(ResourceEvent update) =>
        update.Snapshot.Properties.FirstOrDefault(property => property.Name == "executable.pid")?.Value is { } value
        && int.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), out var id) ? id : null;

    private static async Task AnswersAsync(DynamoDbLocalResource database)
    {
        using var client = database.CreateDynamoDbClient();
        Assert.True(await Polling.UntilAsync(async () =>
        {
            try
            {
                await client.ListTablesAsync(new ListTablesRequest { Limit = 1 });
                return true;
            }
            catch (Exception exception) when (exception is HttpRequestException or Amazon.Runtime.AmazonServiceException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60)));
    }

    private static async Task<HttpClient> WriterAsync(LocalCloudTestApp app)
    {
        var gateway = app.CreateGatewayClient();
        var token = await gateway.GetFromJsonAsync<JsonElement>("_auth/dev-token?scope=matches:write");
        gateway.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
        return gateway;
    }

    /// <summary>Posts a match between two random players every 200 ms until stopped; each answer's status is kept.</summary>
    private static async Task SubmitMatchesAsync(
        HttpClient gateway,
        List<string> players,
        ConcurrentDictionary<string, (object Body, string Winner, string Loser)> submissions,
        ConcurrentDictionary<string, HttpStatusCode> statuses,
        CancellationToken stop)
    {
        var random = new Random(21);
        var inFlight = new List<Task>();
        using var ticks = new PeriodicTimer(LoadInterval);
        var index = 0;
        while (await ticks.WaitForNextTickAsync(CancellationToken.None) && !stop.IsCancellationRequested)
        {
            var pair = players.OrderBy(_ => random.Next()).Take(2).ToList();
            var matchId = $"supervised-{index++}";
            var body = new
            {
                matchId,
                boardId = Board,
                results = new[] { new { playerId = pair[0], score = 3, outcome = "win" }, new { playerId = pair[1], score = 1, outcome = "loss" } },
            };
            submissions[matchId] = (body, pair[0], pair[1]);
            inFlight.Add(Task.Run(async () =>
            {
                using var response = await gateway.PostAsJsonAsync("matches", body);
                statuses[matchId] = response.StatusCode;
            }, CancellationToken.None));
        }
        await Task.WhenAll(inFlight);
    }

    /// <summary>Reads the board until one is refused with 503 (the store is away): true then; false when 10 s pass without one.</summary>
    private static async Task<bool> RefusedWhileAwayAsync(HttpClient gateway)
    {
        var until = Stopwatch.StartNew();
        while (until.Elapsed < TimeSpan.FromSeconds(10))
        {
            using var read = await gateway.GetAsync($"leaderboards/{Board}");
            if (read.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                return true;
            }
            await Task.Delay(50);
        }
        return false;
    }

    private static async Task<Dictionary<string, (int Wins, int Losses, int Matches)>> TotalsAsync(HttpClient gateway, List<string> players)
    {
        var totals = new Dictionary<string, (int, int, int)>();
        foreach (var player in players)
        {
            var details = await gateway.GetFromJsonAsync<JsonElement>($"players/{player}");
            var board = details.GetProperty("boards").EnumerateArray().FirstOrDefault(entry => entry.GetProperty("boardId").GetString() == Board);
            totals[player] = board.ValueKind == JsonValueKind.Object
                ? (board.GetProperty("wins").GetInt32(), board.GetProperty("losses").GetInt32(), board.GetProperty("matches").GetInt32())
                : (0, 0, 0);
        }
        return totals;
    }
}
