using System.Globalization;
using System.Net;

namespace PlatformBench;

/// <summary>Players and matches for a board, written through the gateway; returns once the stream processor has applied every match.</summary>
internal static class Seeder
{
    public static async Task<int> RunAsync(Options options)
    {
        var board = options.Get("board", "bench");
        using var gateway = new Gateway(new Uri(options.Get("gateway")), 8);
        using var probe = new ProcessedProbe(new Uri(options.Get("dynamodb")), options.Get("table", "leaderboard"));
        await gateway.UseDevTokenAsync();
        var players = await CreatePlayersAsync(gateway, board, options.Int("players", 200));
        var perMatch = options.Int("per-match", 4);
        var random = new Random(42);
        var matchIds = Enumerable.Range(0, options.Int("matches", 100))
            .Select(index => string.Create(CultureInfo.InvariantCulture, $"seed-{board}-{Guid.NewGuid():N}-{index}")).ToList();
        var picks = matchIds.ToDictionary(id => id, _ => Gateway.Pick(players, perMatch, random));
        await Parallel.ForEachAsync(matchIds, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, _) =>
        {
            var (status, _) = await gateway.SubmitMatchAsync(id, board, picks[id], new Random(id.GetHashCode(StringComparison.Ordinal)));
            if (status != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"POST /matches answered {(int)status}");
            }
        });
        var pending = new HashSet<string>(matchIds);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (pending.Count > 0 && DateTime.UtcNow < deadline)
        {
            foreach (var (id, _) in await probe.ProcessedAsync([.. pending], CancellationToken.None))
            {
                pending.Remove(id);
            }
            await Task.Delay(200);
        }
        Console.WriteLine($"board '{board}': {players.Count} players, {matchIds.Count} matches of {perMatch} players, {matchIds.Count - pending.Count} applied by the stream processor");
        return pending.Count == 0 ? 0 : 1;
    }

    public static async Task<List<string>> CreatePlayersAsync(Gateway gateway, string board, int count)
    {
        var ids = new string[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (index, _) =>
            ids[index] = await gateway.CreatePlayerAsync(string.Create(CultureInfo.InvariantCulture, $"{board}-{index}")));
        return [.. ids];
    }
}
