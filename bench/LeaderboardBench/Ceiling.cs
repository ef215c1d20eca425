using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Leaderboard.Core;
using Microsoft.Extensions.DependencyInjection;

namespace LeaderboardBench;

/// <summary>
/// The ceiling the API is measured against: the data-layer work behind each endpoint, issued
/// straight to DynamoDB Local through the same repositories and client settings, by
/// <c>--connections</c> workers in a closed loop (like wrk's connections), after a warm-up and,
/// with <c>--quiesce</c>, once the stream processor's backlog is done.
/// </summary>
internal static class Ceiling
{
    private const int TopLimit = 10;

    public static async Task<int> RunAsync(BenchSettings settings)
    {
        using var host = await LeaderboardData.StartAsync(settings);
        Directory.CreateDirectory(settings.OutputDirectory);
        foreach (var name in settings.Operations)
        {
            var operation = CreateOperation(host.Services, settings, name);
            await LoadLoop.RunAsync(settings.Connections, settings.Warmup, (worker, sequence, token) => operation("warm", worker, sequence, token));
            if (settings.QuiesceLimit > TimeSpan.Zero)
            {
                var (waited, idle) = await Quiesce.WaitAsync(settings.DynamoDbPid, settings.QuiesceLimit);
                Console.WriteLine(idle
                    ? $"sdk-{name}: DynamoDB Local idle after {waited.TotalSeconds:0} s"
                    : $"sdk-{name}: DynamoDB Local still busy after {waited.TotalSeconds:0} s; measuring anyway");
            }

            var output = Path.Combine(settings.OutputDirectory, $"sdk-{name}");
            await File.WriteAllTextAsync(output + ".cpu", CpuUsage.Snapshot(settings.DynamoDbPid, settings.AppHostPid) + "\n");
            var measurement = await LoadLoop.RunAsync(settings.Connections, settings.Duration,
                (worker, sequence, token) => operation("run", worker, sequence, token));
            await File.AppendAllTextAsync(output + ".cpu", CpuUsage.Snapshot(settings.DynamoDbPid, settings.AppHostPid) + "\n");
            await measurement.WriteAsync(output + ".json");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"sdk-{name}: {measurement.Rps:0} req/s, p50 {measurement.P50Ms:0.00} ms, p99 {measurement.P99Ms:0.00} ms, {measurement.Requests} requests, {measurement.Errors} errors"));
        }
        return 0;
    }

    private static Func<string, int, long, CancellationToken, Task> CreateOperation(IServiceProvider services, BenchSettings settings, string name)
    {
        var board = settings.Board;
        switch (name)
        {
            case "top10":
                var standings = services.GetRequiredService<StandingsRepository>();
                return async (_, _, _, token) =>
                {
                    // GET /leaderboards/{boardId}?limit=10 does exactly this.
                    var top = await standings.GetTopAsync(board, TopLimit, token);
                    if (top.Count != TopLimit)
                    {
                        throw new InvalidOperationException($"The top of '{board}' has {top.Count} entries, not {TopLimit}.");
                    }
                };
            case "match":
                var players = services.GetRequiredService<PlayerRepository>();
                var matches = services.GetRequiredService<MatchRepository>();
                var playerIds = File.ReadAllLines(settings.PlayersFile).Where(line => line.Length > 0).ToArray();
                var perMatch = settings.PlayersPerMatch;
                var nonce = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
                return async (phase, worker, sequence, token) =>
                {
                    // POST /matches does this: read the players (BatchGetItem), store the match once (conditional put).
                    // The warm-up resubmits one match per worker, which leaves the stream processor no work.
                    var warmUp = phase == "warm";
                    var lineUp = LineUp.Pick(warmUp ? new Random(worker) : Random.Shared, playerIds, perMatch);
                    var found = await players.GetManyAsync(lineUp, token);
                    if (found.Count != lineUp.Count)
                    {
                        throw new InvalidOperationException("A seeded player is missing.");
                    }
                    var matchId = warmUp
                        ? string.Create(CultureInfo.InvariantCulture, $"ceil-{nonce}-warm-{worker}")
                        : string.Create(CultureInfo.InvariantCulture, $"ceil-{nonce}-{worker}-{sequence}");
                    var results = lineUp.Select((id, slot) => new MatchResult(id, found[id].DisplayName, warmUp ? 100 : Random.Shared.Next(0, 1001), slot == 0 ? Outcome.Win : Outcome.Loss)).ToList();
                    var match = new Match(matchId, board, DateTimeOffset.UtcNow, results, Hash(matchId, board, results), Processed: false);
                    var (created, _) = await matches.AddAsync(match, token);
                    if (!created && !warmUp)
                    {
                        throw new InvalidOperationException($"Match '{matchId}' was not new.");
                    }
                };
            default:
                throw new ArgumentException($"Unknown operation '{name}' in --ops; use top10 and/or match.");
        }
    }

    /// <summary>The same kind of digest the API stores with each match.</summary>
    private static string Hash(string matchId, string boardId, IEnumerable<MatchResult> results)
    {
        var canonical = new StringBuilder().Append(matchId).Append('\n').Append(boardId).Append("\n\n");
        foreach (var result in results)
        {
            canonical.Append(CultureInfo.InvariantCulture, $"{result.PlayerId}:{result.Score}:{Rules.Format(result.Outcome)}\n");
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
    }
}

/// <summary>A closed loop: each worker issues its next request when the previous one completes.</summary>
internal static class LoadLoop
{
    public static async Task<Measurement> RunAsync(int workers, TimeSpan duration, Func<int, long, CancellationToken, Task> operation)
    {
        using var stop = new CancellationTokenSource();
        using var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var errors = 0L;
        var perWorker = await Task.WhenAll(Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            var latencies = new List<double>(16_384);
            for (long sequence = 0; clock.Elapsed < duration; sequence++)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await operation(worker, sequence, stop.Token);
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                catch (Exception failure) when (failure is not OperationCanceledException)
                {
                    if (Interlocked.Increment(ref errors) <= 3)
                    {
                        await Console.Error.WriteLineAsync($"request failed: {failure.GetType().Name}: {failure.Message}");
                    }
                }
            }
            return latencies;
        })));
        var seconds = clock.Elapsed.TotalSeconds;
        self.Refresh();
        var cpuSeconds = (self.TotalProcessorTime - cpuBefore).TotalSeconds;
        return Measurement.From(perWorker.SelectMany(latencies => latencies).ToList(), errors, seconds, cpuSeconds);
    }
}
