using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Leaderboard.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LeaderboardBench;

/// <summary>
/// Fills one hot board: players created with the repository, matches submitted through the API and
/// aggregated by the stream processor (or, when it falls behind, with <see cref="MatchAggregator"/>
/// here), so that every player has a standing when this returns. Writes the player ids, one a line,
/// for the load generators.
/// </summary>
internal static class Seeder
{
    private const int Concurrency = 16;
    private static readonly TimeSpan ProcessorGrace = TimeSpan.FromSeconds(60);
    private const int MaxScore = 1000;

    private static readonly string[] Regions = ["eu-west", "us-east", "ap-south", "sa-east"];
    private static readonly string[] Adjectives = ["Swift", "Silent", "Crimson", "Lucky", "Brave", "Frozen", "Golden", "Rapid"];
    private static readonly string[] Nouns = ["Fox", "Falcon", "Golem", "Otter", "Viking", "Comet", "Ranger", "Wizard"];

    public static async Task<int> RunAsync(BenchSettings settings)
    {
        using var host = await LeaderboardData.StartAsync(settings);
        using var http = new HttpClient(new MatchSigningHandler(BenchSettings.SigningKey) { InnerHandler = new HttpClientHandler() })
        {
            BaseAddress = new Uri(settings.ApiUrl + "/"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        if (settings.Token is { } token)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        var clock = Stopwatch.StartNew();

        var playerIds = await CreatePlayersAsync(host.Services.GetRequiredService<PlayerRepository>(), settings.Players);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(settings.PlayersFile))!);
        await File.WriteAllLinesAsync(settings.PlayersFile, playerIds);
        Console.WriteLine($"seed: {playerIds.Count} players created with PlayerRepository in {clock.Elapsed.TotalSeconds:0.0} s");

        clock.Restart();
        var plan = PlanMatches(playerIds, settings.Matches, settings.PlayersPerMatch, settings.Board, new Random(20261122));
        await Parallel.ForEachAsync(plan, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (match, token) =>
        {
            using var response = await http.PostAsJsonAsync("matches", match, JsonSerializerOptions.Web, token);
            await EnsureStatusAsync(response, HttpStatusCode.Accepted, $"POST /matches ({match.MatchId})");
        });
        Console.WriteLine($"seed: {plan.Count} matches ({plan.Sum(match => match.Results.Count)} results) submitted through the API in {clock.Elapsed.TotalSeconds:0.0} s");

        clock.Restart();
        var (byProcessor, byTool) = await AwaitAggregationAsync(host.Services, plan.Select(match => match.MatchId).ToList());
        Console.WriteLine($"seed: {byProcessor} matches aggregated by the stream processor, {byTool} with MatchAggregator here, in {clock.Elapsed.TotalSeconds:0.0} s");

        await VerifyAsync(host.Services, http, settings.Board, playerIds.Count);
        return 0;
    }

    /// <summary>
    /// Waits for the stream processor to mark every seeded match processed; what it has not done
    /// within <see cref="ProcessorGrace"/> this applies itself with <see cref="MatchAggregator"/>
    /// (idempotent, so a processor that gets there too changes nothing). Returns how many each did.
    /// </summary>
    private static async Task<(int ByProcessor, int ByTool)> AwaitAggregationAsync(IServiceProvider services, List<string> matchIds)
    {
        var matches = services.GetRequiredService<MatchRepository>();
        var pending = matchIds.ToList();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var unprocessed = new System.Collections.Concurrent.ConcurrentBag<Match>();
            await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (matchId, token) =>
            {
                var match = await matches.GetAsync(matchId, token)
                    ?? throw new InvalidOperationException($"Match '{matchId}' was accepted but cannot be read.");
                if (!match.Processed)
                {
                    unprocessed.Add(match);
                }
            });
            if (unprocessed.IsEmpty)
            {
                return (matchIds.Count, 0);
            }
            if (clock.Elapsed > ProcessorGrace)
            {
                var aggregator = services.GetRequiredService<MatchAggregator>();
                await Parallel.ForEachAsync(unprocessed, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (match, token) =>
                    await aggregator.ApplyAsync(match, token));
                Console.WriteLine($"seed: warning: the stream processor had not aggregated {unprocessed.Count} matches after {ProcessorGrace.TotalSeconds:0} s");
                return (matchIds.Count - unprocessed.Count, unprocessed.Count);
            }
            pending = unprocessed.Select(match => match.MatchId).ToList();
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
    }

    /// <summary>
    /// Players are created with the repository, as <c>POST /players</c> does, which is quicker than
    /// going through the gateway and the Lambda emulator for 2,000 of them.
    /// </summary>
    private static async Task<List<string>> CreatePlayersAsync(PlayerRepository players, int count)
    {
        var ids = new string[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (index, token) =>
        {
            var displayName = $"{Adjectives[index % Adjectives.Length]}{Nouns[index / Adjectives.Length % Nouns.Length]}{index:D4}";
            var player = await players.CreateAsync(displayName, Regions[index % Regions.Length], token);
            ids[index] = player.PlayerId;
        });
        return [.. ids];
    }

    /// <summary>
    /// Every player plays at least once (a shuffled pass over all of them), then random line-ups
    /// fill the rest. The best score wins, tied best scores draw, the others lose.
    /// </summary>
    private static List<SubmitMatchRequest> PlanMatches(IReadOnlyList<string> playerIds, int count, int perMatch, string boardId, Random random)
    {
        var shuffled = playerIds.ToArray();
        random.Shuffle(shuffled);
        var lineUps = shuffled.Chunk(perMatch).Select(chunk => chunk.ToList()).ToList();
        foreach (var lineUp in lineUps.Where(lineUp => lineUp.Count < perMatch))
        {
            lineUp.AddRange(playerIds.Except(lineUp).OrderBy(_ => random.Next()).Take(perMatch - lineUp.Count));
        }
        while (lineUps.Count < count)
        {
            lineUps.Add(LineUp.Pick(random, shuffled, perMatch));
        }
        return lineUps.Select((lineUp, index) =>
        {
            var scores = lineUp.Select(_ => (long)random.Next(0, MaxScore + 1)).ToList();
            var best = scores.Max();
            var draw = scores.Count(score => score == best) > 1;
            return new SubmitMatchRequest(
                $"seed-{index:D5}",
                boardId,
                lineUp.Select((playerId, slot) => new MatchResultRequest(
                    playerId, scores[slot], scores[slot] < best ? "loss" : draw ? "draw" : "win")).ToList());
        }).ToList();
    }

    /// <summary>Every player has a standing on the board, and the API serves a full top 10.</summary>
    private static async Task VerifyAsync(IServiceProvider services, HttpClient http, string boardId, int expected)
    {
        var dynamoDb = services.GetRequiredService<IAmazonDynamoDB>();
        var options = services.GetRequiredService<IOptions<LeaderboardOptions>>().Value;
        long standings = 0;
        for (var shard = 0; shard < options.BoardShards; shard++)
        {
            var request = new QueryRequest
            {
                TableName = options.TableName,
                IndexName = Keys.StandingsIndex,
                KeyConditionExpression = "GSI1PK = :pk",
                ExpressionAttributeValues = new() { [":pk"] = new AttributeValue { S = Keys.BoardShard(boardId, shard) } },
                Select = Select.COUNT,
            };
            do
            {
                var response = await dynamoDb.QueryAsync(request);
                standings += response.Count ?? 0;
                request.ExclusiveStartKey = response.LastEvaluatedKey;
            }
            while (request.ExclusiveStartKey is { Count: > 0 });
        }
        if (standings != expected)
        {
            throw new InvalidOperationException($"Board '{boardId}' has {standings} standings; expected one for each of the {expected} players.");
        }
        var top = await http.GetFromJsonAsync<JsonElement>($"leaderboards/{boardId}?limit=10");
        var entries = top.GetProperty("entries").GetArrayLength();
        if (entries != 10)
        {
            throw new InvalidOperationException($"GET /leaderboards/{boardId}?limit=10 returned {entries} entries; expected 10.");
        }
        Console.WriteLine($"seed: board '{boardId}' holds {standings} standings over {options.BoardShards} shards; GET /leaderboards/{boardId}?limit=10 returns 10 entries");
    }

    private static async Task EnsureStatusAsync(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new InvalidOperationException($"{what} answered {(int)response.StatusCode}, expected {(int)expected}: {body}");
        }
    }

    private sealed record SubmitMatchRequest(string MatchId, string BoardId, IReadOnlyList<MatchResultRequest> Results);

    private sealed record MatchResultRequest(string PlayerId, long Score, string Outcome);
}
