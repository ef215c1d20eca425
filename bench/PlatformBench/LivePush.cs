using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PlatformBench;

/// <summary>
/// Live push latency: <c>--subscribers</c> WebSocket clients watch one board while matches are posted
/// one every <c>--interval-ms</c>; match i makes a fresh player the board's leader, so the first push
/// that lists that player is the push of match i. For each (match, subscriber): 202 → push received.
/// The baseline, measured on the same matches, is the stream lag: 202 → the match marked processed
/// (polled every 25 ms), the part of the path the live push cannot be faster than.
/// </summary>
internal static class LivePush
{
    public static async Task<int> RunAsync(Options options)
    {
        var subscribers = options.Int("subscribers", 10);
        var matches = options.Int("matches", 40);
        var interval = TimeSpan.FromMilliseconds(options.Int("interval-ms", 500));
        var board = options.Get("board", "live-" + Guid.NewGuid().ToString("N")[..6]);
        using var gateway = new Gateway(new Uri(options.Get("gateway")), 8);
        using var probe = new ProcessedProbe(new Uri(options.Get("dynamodb")), options.Get("table", "leaderboard"));
        await gateway.UseDevTokenAsync();

        var leaders = new List<string>();
        var losers = new List<string>();
        for (var index = 0; index < matches; index++)
        {
            leaders.Add(await gateway.CreatePlayerAsync($"Leader {index}"));
            losers.Add(await gateway.CreatePlayerAsync($"Loser {index}"));
        }

        var clock = Stopwatch.StartNew();
        var firstSeen = new ConcurrentDictionary<(int Subscriber, string Player), double>();
        using var stopping = new CancellationTokenSource();
        var clients = new List<ClientWebSocket>();
        for (var subscriber = 0; subscriber < subscribers; subscriber++)
        {
            var client = new ClientWebSocket();
            await client.ConnectAsync(new Uri(options.Get("websocket")), CancellationToken.None);
            await client.SendAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { action = "subscribe", boardId = board })), WebSocketMessageType.Text, true, CancellationToken.None);
            clients.Add(client);
        }
        var receivers = clients.Select((client, subscriber) => ReceiveAsync(client, subscriber, clock, firstSeen, stopping.Token)).ToList();
        Console.WriteLine($"live push: {subscribers} subscriber(s) on board '{board}', {matches} matches, one every {interval.TotalMilliseconds} ms");

        var accepted = new double[matches];
        var applied = new double[matches];
        Array.Fill(applied, double.NaN);
        var matchIds = Enumerable.Range(0, matches).Select(index => $"{board}-{index}").ToList();
        var applyWatch = WatchAppliedAsync(probe, matchIds, accepted, applied, clock, stopping.Token);
        for (var index = 0; index < matches; index++)
        {
            var results = new JsonArray
            {
                new JsonObject { ["playerId"] = leaders[index], ["score"] = 1000 * (index + 1), ["outcome"] = "win" },
                new JsonObject { ["playerId"] = losers[index], ["score"] = 0, ["outcome"] = "loss" },
            };
            var (status, _) = await gateway.PostMatchAsync(matchIds[index], board, results);
            accepted[index] = status == HttpStatusCode.Accepted ? clock.Elapsed.TotalMilliseconds : double.NaN;
            await Task.Delay(interval);
        }
        var deadline = Stopwatch.StartNew();
        bool AllPushed() => Enumerable.Range(0, matches).All(index => double.IsNaN(accepted[index])
            || Enumerable.Range(0, subscribers).All(subscriber => firstSeen.ContainsKey((subscriber, leaders[index]))));
        while (deadline.Elapsed < TimeSpan.FromSeconds(15) && !AllPushed())
        {
            await Task.Delay(100);
        }
        await stopping.CancelAsync();
        await applyWatch;
        foreach (var client in clients)
        {
            client.Abort();
            client.Dispose();
        }
        await Task.WhenAll(receivers);

        var pushes = new List<double>();
        for (var index = 0; index < matches; index++)
        {
            for (var subscriber = 0; subscriber < subscribers; subscriber++)
            {
                if (!double.IsNaN(accepted[index]) && firstSeen.TryGetValue((subscriber, leaders[index]), out var seen))
                {
                    pushes.Add(seen - accepted[index]);
                }
            }
        }
        var lags = Enumerable.Range(0, matches).Where(index => !double.IsNaN(applied[index]) && !double.IsNaN(accepted[index]))
            .Select(index => applied[index] - accepted[index]).ToList();
        var output = new JsonObject
        {
            ["subscribers"] = subscribers,
            ["matches"] = matches,
            ["intervalMs"] = interval.TotalMilliseconds,
            ["accepted"] = accepted.Count(value => !double.IsNaN(value)),
            ["pushesExpected"] = accepted.Count(value => !double.IsNaN(value)) * subscribers,
            ["pushesReceived"] = pushes.Count,
            ["pushP50Ms"] = Stats.Percentile(pushes, 50),
            ["pushP95Ms"] = Stats.Percentile(pushes, 95),
            ["pushMaxMs"] = pushes.Count > 0 ? pushes.Max() : double.NaN,
            ["applied"] = lags.Count,
            ["matchesNeverPushed"] = new JsonArray(Enumerable.Range(0, matches)
                .Where(index => !Enumerable.Range(0, subscribers).Any(subscriber => firstSeen.ContainsKey((subscriber, leaders[index]))))
                .Select(index => (JsonNode)index).ToArray()),
            ["appliedP50Ms"] = Stats.Percentile(lags, 50),
            ["appliedP95Ms"] = Stats.Percentile(lags, 95),
        };
        output["pushOverAppliedP50"] = (double)output["pushP50Ms"]! / (double)output["appliedP50Ms"]!;
        await File.WriteAllTextAsync(options.Get("out"), output.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pushes {pushes.Count}/{(int)output["pushesExpected"]!}: p50 {Stats.Percentile(pushes, 50):0} ms, p95 {Stats.Percentile(pushes, 95):0} ms; applied p50 {Stats.Percentile(lags, 50):0} ms, p95 {Stats.Percentile(lags, 95):0} ms"));
        return pushes.Count == (int)output["pushesExpected"]! ? 0 : 1;
    }

    /// <summary>Records, per subscriber, when each player first appears in a push of the board.</summary>
    private static async Task ReceiveAsync(ClientWebSocket client, int subscriber, Stopwatch clock,
        ConcurrentDictionary<(int, string), double> firstSeen, CancellationToken stopping)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var length = 0;
                ValueWebSocketReceiveResult frame;
                do
                {
                    frame = await client.ReceiveAsync(buffer.AsMemory(length), stopping);
                    length += frame.Count;
                }
                while (!frame.EndOfMessage && frame.MessageType != WebSocketMessageType.Close);
                if (frame.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                var now = clock.Elapsed.TotalMilliseconds;
                var message = JsonNode.Parse(buffer.AsSpan(0, length));
                if ((string?)message?["type"] != "standings")
                {
                    continue;
                }
                foreach (var entry in message["entries"]!.AsArray())
                {
                    firstSeen.TryAdd((subscriber, (string)entry!["playerId"]!), now);
                }
            }
        }
        catch (Exception failure) when (failure is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    /// <summary>Polls which matches are processed; a match's applied time is the first poll that saw it.</summary>
    private static async Task WatchAppliedAsync(ProcessedProbe probe, List<string> matchIds, double[] accepted, double[] applied, Stopwatch clock, CancellationToken stopping)
    {
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var pending = matchIds.Where((_, index) => accepted[index] > 0 && double.IsNaN(applied[index])).ToList();
                if (pending.Count > 0)
                {
                    var now = clock.Elapsed.TotalMilliseconds;
                    foreach (var (id, _) in await probe.ProcessedAsync(pending, stopping))
                    {
                        applied[matchIds.IndexOf(id)] = now;
                    }
                }
                await Task.Delay(25, stopping);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }
}
