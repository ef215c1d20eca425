using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace PlatformBench;

/// <summary>
/// Queue intake under a steady rate: match results are sent to the intake queue through the AWS SDK in batches of
/// ten messages (one result each) on a fixed schedule (open loop), and each sent result is watched until its match
/// item is stored (<see cref="ProcessedProbe.StoredAsync"/>). A result's latency is from its batch's acknowledgement
/// to the time the intake stamped on its match just before writing it. The probes (every second by default) read the
/// data store the app writes to, so they are few: with a backlog of thousands, probing every id every 100 ms loaded
/// DynamoDB Local as much as the app did. After the senders stop, the
/// queue's drain time is until it holds no message, visible or in flight.
/// </summary>
internal static class Intake
{
    private const int MessagesPerBatch = 10;

    public static async Task<int> RunAsync(Options options)
    {
        var rate = options.Double("rate", 500);
        var duration = options.Double("duration", 30);
        var board = options.Get("board", "intake");
        var pollInterval = TimeSpan.FromMilliseconds(options.Int("poll-ms", 1000));
        var queueUrl = options.Get("queue-url");

        using var gateway = new Gateway(new Uri(options.Get("gateway")), 16);
        using var probe = new ProcessedProbe(new Uri(options.Get("dynamodb")), options.Get("table", "leaderboard"));
        using var sqs = new AmazonSQSClient(new BasicAWSCredentials("local", "local"),
            new AmazonSQSConfig { ServiceURL = new Uri(queueUrl).GetLeftPart(UriPartial.Authority), AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
        var players = await Seeder.CreatePlayersAsync(gateway, board, options.Int("players", 100));
        // Creating the players makes the API's environments compile their hot code a second time (tier 1) for
        // seconds afterwards; the measurement starts once that is over.
        var settled = await MachineIdle.WaitAsync(options.Int("settle-idle-percent", 60), TimeSpan.FromSeconds(30));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"intake: {players.Count} players on board '{board}' (machine settled after {settled:0} s), {rate:0} results/s in batches of {MessagesPerBatch} for {duration:0} s"));

        var runId = Guid.NewGuid().ToString("N")[..8];
        var watcher = new ArrivalWatcher(ids => probe.StoredAsync(ids, CancellationToken.None), pollInterval, TimeSpan.FromSeconds(60));
        var sendLatencies = new ConcurrentBag<double>();
        var sendErrors = 0;
        var late = 0;
        var poller = Task.Run(watcher.RunAsync);

        using var slots = new SemaphoreSlim(64);
        var sends = new List<Task>();
        var batches = (int)Math.Round(rate * duration / MessagesPerBatch);
        var random = new Random(11);
        var clock = Stopwatch.StartNew();
        var sendingStarted = Stopwatch.GetTimestamp();
        for (var index = 0; index < batches; index++)
        {
            var wait = TimeSpan.FromSeconds(index * MessagesPerBatch / rate) - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }
            if (!slots.Wait(0))
            {
                Interlocked.Increment(ref late);
                await slots.WaitAsync();
            }
            var entries = Enumerable.Range(0, MessagesPerBatch).Select(slot =>
            {
                var matchId = string.Create(CultureInfo.InvariantCulture, $"intake-{runId}-{index}-{slot}");
                var picked = Gateway.Pick(players, 2, random);
                var result = new JsonObject
                {
                    ["matchId"] = matchId,
                    ["boardId"] = board,
                    ["results"] = new JsonArray(
                        new JsonObject { ["playerId"] = picked[0], ["score"] = random.Next(1, 1000), ["outcome"] = "win" },
                        new JsonObject { ["playerId"] = picked[1], ["score"] = random.Next(1, 1000), ["outcome"] = "loss" }),
                };
                return (MatchId: matchId, Entry: Signing.IntakeEntry(slot.ToString(CultureInfo.InvariantCulture), result.ToJsonString()));
            }).ToList();
            sends.Add(Task.Run(async () =>
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var response = await sqs.SendMessageBatchAsync(new SendMessageBatchRequest { QueueUrl = queueUrl, Entries = [.. entries.Select(entry => entry.Entry)] });
                    var acknowledged = Stopwatch.GetTimestamp();
                    sendLatencies.Add(Stopwatch.GetElapsedTime(started, acknowledged).TotalMilliseconds);
                    var failed = (response.Failed ?? []).Select(failure => failure.Id).ToHashSet();
                    Interlocked.Add(ref sendErrors, failed.Count);
                    foreach (var (matchId, entry) in entries.Where(entry => !failed.Contains(entry.Entry.Id)))
                    {
                        watcher.Watch(matchId, acknowledged);
                    }
                }
                catch (Exception failure) when (failure is AmazonServiceException or HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Add(ref sendErrors, entries.Count);
                }
                finally
                {
                    slots.Release();
                }
            }));
        }
        await Task.WhenAll(sends);
        var sendSeconds = clock.Elapsed.TotalSeconds;
        watcher.SendingStopped();
        var drained = await DrainTimeAsync(sqs, queueUrl);
        await poller;

        var sent = batches * MessagesPerBatch;
        var byWindow = watcher.P95ByWindow(sendingStarted, TimeSpan.FromSeconds(5));
        var latencies = watcher.Latencies;
        var storedBySecond = watcher.ArrivalsBySecond(sendingStarted);
        var deadLetters = await DepthAsync(sqs, queueUrl + "-dlq");
        var output = new JsonObject
        {
            ["targetRate"] = rate,
            ["seconds"] = duration,
            ["sent"] = sent,
            ["sendErrors"] = sendErrors,
            ["late"] = late,
            ["achievedRate"] = (sent - sendErrors) / sendSeconds,
            ["sendP50Ms"] = Stats.Percentile(sendLatencies, 50),
            ["sendP95Ms"] = Stats.Percentile(sendLatencies, 95),
            ["storedP50Ms"] = Stats.Percentile(latencies, 50),
            ["storedP95Ms"] = Stats.Percentile(latencies, 95),
            ["storedP99Ms"] = Stats.Percentile(latencies, 99),
            ["storedMaxMs"] = latencies.Count == 0 ? double.NaN : latencies.Max(),
            ["storedP95MsBy5sOfSending"] = new JsonArray([.. byWindow.Select(p95 => (JsonNode)Math.Round(p95))]),
            ["storedBySecondOfSending"] = new JsonArray([.. storedBySecond.Select(count => (JsonNode)count)]),
            ["drainSeconds"] = drained?.TotalSeconds,
            ["neverStored"] = watcher.Pending,
            ["deadLetters"] = deadLetters,
        };
        await File.WriteAllTextAsync(options.Get("out"), output.ToJsonString());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"intake at {rate:0}/s for {duration:0} s: {sent - sendErrors} of {sent} sent ({(sent - sendErrors) / sendSeconds:0.0}/s, {late} batches late, send p95 {Stats.Percentile(sendLatencies, 95):0} ms); "
            + $"stored p50 {Stats.Percentile(latencies, 50):0} ms, p95 {Stats.Percentile(latencies, 95):0} ms, p99 {Stats.Percentile(latencies, 99):0} ms; "
            + $"queue drained {(drained is { } time ? $"{time.TotalSeconds:0.0} s" : "not within 60 s")} after the senders stopped; {watcher.Pending} never stored; {deadLetters} dead letters; "
            + $"stored p95 by 5 s of sending: {string.Join(", ", byWindow.Select(p95 => $"{p95 / 1000:0.0} s"))}; "
            + $"stored per second from the first send: {string.Join(" ", storedBySecond)}"));
        return sendErrors == 0 && watcher.Pending == 0 && deadLetters == 0 ? 0 : 1;
    }

    /// <summary>How long until the queue holds no message, visible or in flight; null when it still does after a minute.</summary>
    private static async Task<TimeSpan?> DrainTimeAsync(AmazonSQSClient sqs, string queueUrl)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (await DepthAsync(sqs, queueUrl) == 0)
            {
                return clock.Elapsed;
            }
            await Task.Delay(100);
        }
        return null;
    }

    private static async Task<int> DepthAsync(AmazonSQSClient sqs, string queueUrl)
    {
        var attributes = (await sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest
        {
            QueueUrl = queueUrl,
            AttributeNames = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
        })).Attributes;
        return attributes.Values.Sum(value => int.Parse(value, CultureInfo.InvariantCulture));
    }
}
