using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace PlatformBench;

/// <summary>
/// Stream lag under a steady write rate: matches are posted through the gateway on a fixed schedule
/// (open loop: the schedule does not wait for answers), and each accepted match (202) is watched
/// until the stream processor has applied it (<see cref="ProcessedProbe"/>, <see cref="ArrivalWatcher"/>):
/// its lag runs from its 202 to the midpoint between the last probe that saw it unprocessed and the
/// first that saw it processed.
/// </summary>
internal static class StreamLag
{
    public static async Task<int> RunAsync(Options options)
    {
        var rate = options.Double("rate", 200);
        var duration = options.Double("duration", 10);
        var warmup = options.Double("warmup", 2);
        var perMatch = options.Int("per-match", 4);
        var board = options.Get("board", "stream");
        var pollInterval = TimeSpan.FromMilliseconds(options.Int("poll-ms", 100));
        var maxInFlight = options.Int("max-in-flight", 256);

        using var gateway = new Gateway(new Uri(options.Get("gateway")), maxInFlight);
        using var probe = new ProcessedProbe(new Uri(options.Get("dynamodb")), options.Get("table", "leaderboard"));
        await gateway.UseDevTokenAsync();
        var players = await Seeder.CreatePlayersAsync(gateway, board, options.Int("players", 200));
        Console.WriteLine($"stream lag: {players.Count} players on board '{board}', {perMatch} per match");

        if (warmup > 0)
        {
            var warm = await RunPhaseAsync(gateway, probe, players, board, "warm", rate, warmup, perMatch, pollInterval, maxInFlight);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"warm-up: {warm.Accepted} accepted, lag p95 {Stats.Percentile(warm.Lags, 95):0} ms, {warm.Unprocessed} unprocessed"));
        }
        var phase = await RunPhaseAsync(gateway, probe, players, board, "run", rate, duration, perMatch, pollInterval, maxInFlight);

        var output = new JsonObject
        {
            ["targetRate"] = rate,
            ["seconds"] = duration,
            ["playersPerMatch"] = perMatch,
            ["sent"] = phase.Sent,
            ["accepted"] = phase.Accepted,
            ["errors"] = phase.Errors,
            ["late"] = phase.Late,
            ["achievedRate"] = phase.Accepted / phase.SendSeconds,
            ["postP50Ms"] = Stats.Percentile(phase.PostLatencies, 50),
            ["postP95Ms"] = Stats.Percentile(phase.PostLatencies, 95),
            ["lagP50Ms"] = Stats.Percentile(phase.Lags, 50),
            ["lagP95Ms"] = Stats.Percentile(phase.Lags, 95),
            ["lagP99Ms"] = Stats.Percentile(phase.Lags, 99),
            ["lagMaxMs"] = phase.Lags.Count > 0 ? phase.Lags.Max() : double.NaN,
            ["unprocessed"] = phase.Unprocessed,
            ["pollMs"] = pollInterval.TotalMilliseconds,
        };
        await File.WriteAllTextAsync(options.Get("out"), output.ToJsonString());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"stream lag at {rate:0}/s for {duration:0} s: {phase.Accepted} accepted ({phase.Accepted / phase.SendSeconds:0.0}/s), {phase.Errors} errors, {phase.Late} sent late; lag p50 {Stats.Percentile(phase.Lags, 50):0} ms, p95 {Stats.Percentile(phase.Lags, 95):0} ms, p99 {Stats.Percentile(phase.Lags, 99):0} ms, max {output["lagMaxMs"]:0}; {phase.Unprocessed} never applied"));
        return phase.Errors == 0 && phase.Unprocessed == 0 ? 0 : 1;
    }

    private sealed record Phase(int Sent, int Accepted, int Errors, int Late, double SendSeconds, List<double> PostLatencies, List<double> Lags, int Unprocessed);

    private static async Task<Phase> RunPhaseAsync(
        Gateway gateway, ProcessedProbe probe, List<string> players, string board, string prefix,
        double rate, double seconds, int perMatch, TimeSpan pollInterval, int maxInFlight)
    {
        var runId = Guid.NewGuid().ToString("N")[..8];
        var watcher = new ArrivalWatcher(ids => probe.ProcessedAsync(ids, CancellationToken.None), pollInterval, TimeSpan.FromSeconds(20));
        var postLatencies = new ConcurrentBag<double>();
        var errors = 0;
        var late = 0;
        var poller = Task.Run(watcher.RunAsync);

        using var slots = new SemaphoreSlim(maxInFlight);
        var sends = new List<Task>();
        var total = (int)Math.Round(rate * seconds);
        var random = new Random(7);
        var clock = Stopwatch.StartNew();
        for (var index = 0; index < total; index++)
        {
            var due = TimeSpan.FromSeconds(index / rate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }
            if (!slots.Wait(0))
            {
                Interlocked.Increment(ref late);
                await slots.WaitAsync();
            }
            var matchId = string.Create(CultureInfo.InvariantCulture, $"lag-{prefix}-{runId}-{index}");
            var picked = Gateway.Pick(players, perMatch, random);
            sends.Add(Task.Run(async () =>
            {
                try
                {
                    var (status, elapsed) = await gateway.SubmitMatchAsync(matchId, board, picked, Random.Shared);
                    postLatencies.Add(elapsed.TotalMilliseconds);
                    if (status == HttpStatusCode.Accepted)
                    {
                        watcher.Watch(matchId, Stopwatch.GetTimestamp());
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                finally
                {
                    slots.Release();
                }
            }));
        }
        var sendSeconds = clock.Elapsed.TotalSeconds;
        await Task.WhenAll(sends);
        watcher.SendingStopped();
        await poller;
        return new Phase(total, total - errors, errors, late, sendSeconds, [.. postLatencies], [.. watcher.Latencies], watcher.Pending);
    }
}
