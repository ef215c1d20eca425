using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace PlatformBench;

/// <summary>
/// The intake across a kill: <c>intake-send</c> sends match results to the intake queue at a steady rate and
/// records each one SQS acknowledged, while <c>bench/intake-kill9.sh</c> kills the AppHost's process group with
/// SIGKILL and starts it again; <c>intake-verify</c> then waits for every acknowledged result to be stored and
/// applied, and compares the board with a recomputation from every match stored for it.
/// </summary>
internal static class IntakeKill
{
    private const int MessagesPerBatch = 10;

    public static async Task<int> SendAsync(Options options)
    {
        var rate = options.Double("rate", 100);
        var duration = options.Double("duration", 30);
        var board = options.Get("board", "kill");
        var outDir = options.Get("out-dir");
        var queueUrl = options.Get("queue-url");
        using var gateway = new Gateway(new Uri(options.Get("gateway")), 8);
        var players = await Seeder.CreatePlayersAsync(gateway, board, options.Int("players", 40));
        using var sqs = new AmazonSQSClient(new BasicAWSCredentials("local", "local"),
            new AmazonSQSConfig { ServiceURL = new Uri(queueUrl).GetLeftPart(UriPartial.Authority), AuthenticationRegion = "us-east-1", MaxErrorRetry = 0, Timeout = TimeSpan.FromSeconds(5) });
        await using var acked = new StreamWriter(Path.Combine(outDir, "acked.jsonl"));
        var random = new Random(5);
        var batches = (int)Math.Round(rate * duration / MessagesPerBatch);
        var (accepted, refused) = (0, 0);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var index = 0; index < batches; index++)
        {
            var wait = TimeSpan.FromSeconds(index * MessagesPerBatch / rate) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
            var results = Enumerable.Range(0, MessagesPerBatch).Select(slot =>
            {
                var picked = Gateway.Pick(players, 2, random);
                return new JsonObject
                {
                    ["matchId"] = string.Create(CultureInfo.InvariantCulture, $"{board}-{index}-{slot}"),
                    ["boardId"] = board,
                    ["results"] = new JsonArray(
                        new JsonObject { ["playerId"] = picked[0], ["score"] = random.Next(1, 100), ["outcome"] = "win" },
                        new JsonObject { ["playerId"] = picked[1], ["score"] = random.Next(1, 100), ["outcome"] = "loss" }),
                };
            }).ToList();
            try
            {
                var response = await sqs.SendMessageBatchAsync(new SendMessageBatchRequest
                {
                    QueueUrl = queueUrl,
                    Entries = [.. results.Select((result, slot) => Signing.IntakeEntry(slot.ToString(CultureInfo.InvariantCulture), result.ToJsonString()))],
                });
                var failed = (response.Failed ?? []).Select(failure => int.Parse(failure.Id, CultureInfo.InvariantCulture)).ToHashSet();
                foreach (var (result, slot) in results.Select((result, slot) => (result, slot)))
                {
                    if (!failed.Contains(slot))
                    {
                        await acked.WriteLineAsync(result.ToJsonString());
                        accepted++;
                    }
                }
                refused += failed.Count;
            }
            catch (Exception failure) when (failure is AmazonServiceException or HttpRequestException or TaskCanceledException or OperationCanceledException)
            {
                refused += results.Count;
            }
        }
        Console.WriteLine($"intake-send: {accepted} results acknowledged, {refused} not (sent while the AppHost was down)");
        return 0;
    }

    public static async Task<int> VerifyAsync(Options options)
    {
        var board = options.Get("board", "kill");
        var table = options.Get("table", "leaderboard");
        var outDir = options.Get("out-dir");
        var acked = (await File.ReadAllLinesAsync(Path.Combine(outDir, "acked.jsonl"))).Select(line => JsonNode.Parse(line)!["matchId"]!.GetValue<string>()).ToList();
        using var probe = new ProcessedProbe(new Uri(options.Get("dynamodb")), table);
        var pending = new HashSet<string>(acked);
        var deadline = DateTime.UtcNow.AddSeconds(options.Int("patience", 180));
        while (pending.Count > 0 && DateTime.UtcNow < deadline)
        {
            foreach (var (id, _) in await probe.ProcessedAsync([.. pending], CancellationToken.None))
            {
                pending.Remove(id);
            }
            await Task.Delay(500);
        }

        using var dynamoDb = new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"),
            new AmazonDynamoDBConfig { ServiceURL = options.Get("dynamodb"), AuthenticationRegion = "us-east-1" });
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        var stored = 0;
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamoDb.ScanAsync(new ScanRequest
            {
                TableName = table,
                FilterExpression = "begins_with(PK, :match) AND SK = :sort AND boardId = :board",
                ExpressionAttributeValues = new()
                {
                    [":match"] = new() { S = "MATCH#" },
                    [":sort"] = new() { S = Leaderboard.Core.Keys.MatchSort },
                    [":board"] = new() { S = board },
                },
                ExclusiveStartKey = start,
            });
            foreach (var item in page.Items ?? [])
            {
                stored++;
                foreach (var result in item["results"].L)
                {
                    var playerId = result.M["playerId"].S;
                    expected[playerId] = expected.GetValueOrDefault(playerId) + long.Parse(result.M["score"].N, CultureInfo.InvariantCulture);
                }
            }
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);

        using var gateway = new Gateway(new Uri(options.Get("gateway")), 2);
        var standings = await gateway.BoardPointsAsync(board, 100);
        var wrong = expected.Where(pair => standings.GetValueOrDefault(pair.Key) != pair.Value).ToList();
        Console.WriteLine($"intake-verify: {acked.Count} acknowledged, {acked.Count - pending.Count} stored and applied, {pending.Count} lost; "
            + $"{stored} matches stored for '{board}'; {expected.Count - wrong.Count} of {expected.Count} players' points equal a recomputation from them"
            + (wrong.Count > 0 ? $" (first difference: {wrong[0].Key} has {standings.GetValueOrDefault(wrong[0].Key)}, expected {wrong[0].Value})" : ""));
        await File.WriteAllTextAsync(Path.Combine(outDir, "verify.json"), JsonSerializer.Serialize(new
        {
            acknowledged = acked.Count,
            lost = pending.Count,
            stored,
            players = expected.Count,
            playersWithWrongPoints = wrong.Count,
        }));
        return pending.Count == 0 && wrong.Count == 0 ? 0 : 1;
    }
}
