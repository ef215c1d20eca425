using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Leaderboard.Core;

namespace PlatformBench;

/// <summary>The app's public API through the API Gateway emulator, as a client sees it: bodies signed with the match signing key.</summary>
internal sealed class Gateway : IDisposable
{
    private readonly HttpClient _http;

    public Gateway(Uri endpoint, int connections) => _http = new HttpClient(new MatchSigningHandler(Signing.Key)
    {
        InnerHandler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            UseProxy = false,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        },
    })
    {
        BaseAddress = endpoint,
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>A development token with <c>matches:write</c> from the local issuer.</summary>
    public async Task UseDevTokenAsync()
    {
        var token = JsonNode.Parse(await _http.GetStringAsync("_auth/dev-token?scope=matches:write"))!["accessToken"]!.GetValue<string>();
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public async Task<string> CreatePlayerAsync(string displayName)
    {
        using var content = Json(new JsonObject { ["displayName"] = displayName, ["region"] = "bench" });
        using var response = await _http.PostAsync("players", content);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"POST /players answered {(int)response.StatusCode}: {body}");
        }
        return JsonNode.Parse(body)!["playerId"]!.GetValue<string>();
    }

    /// <summary>Each player's points on the board (its top <paramref name="limit"/>, at most 100).</summary>
    public async Task<Dictionary<string, long>> BoardPointsAsync(string boardId, int limit)
    {
        var board = JsonNode.Parse(await _http.GetStringAsync($"leaderboards/{boardId}?limit={limit}"))!;
        return board["entries"]!.AsArray().ToDictionary(entry => entry!["playerId"]!.GetValue<string>(), entry => entry!["points"]!.GetValue<long>(), StringComparer.Ordinal);
    }

    /// <summary>Posts a match; returns the status code and how long the answer took.</summary>
    public async Task<(HttpStatusCode Status, TimeSpan Elapsed)> SubmitMatchAsync(string matchId, string boardId, IReadOnlyList<string> players, Random random)
    {
        var results = new JsonArray();
        for (var slot = 0; slot < players.Count; slot++)
        {
            results.Add(new JsonObject
            {
                ["playerId"] = players[slot],
                ["score"] = random.Next(0, 1000),
                ["outcome"] = slot == 0 ? "win" : "loss",
            });
        }
        return await PostMatchAsync(matchId, boardId, results);
    }

    /// <summary>Posts a match with the given results; returns the status code and how long the answer took.</summary>
    public async Task<(HttpStatusCode Status, TimeSpan Elapsed)> PostMatchAsync(string matchId, string boardId, JsonArray results)
    {
        using var content = Json(new JsonObject { ["matchId"] = matchId, ["boardId"] = boardId, ["results"] = results });
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await _http.PostAsync("matches", content);
            await response.Content.LoadIntoBufferAsync();
            return (response.StatusCode, clock.Elapsed);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return (0, clock.Elapsed);
        }
    }

    public void Dispose() => _http.Dispose();

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    /// <summary><paramref name="count"/> distinct players picked at random.</summary>
    public static List<string> Pick(IReadOnlyList<string> players, int count, Random random)
    {
        var picked = new List<string>(count);
        while (picked.Count < count)
        {
            var player = players[random.Next(players.Count)];
            if (!picked.Contains(player))
            {
                picked.Add(player);
            }
        }
        return picked;
    }
}
