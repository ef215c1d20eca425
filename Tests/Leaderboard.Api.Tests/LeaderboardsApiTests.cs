using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static Leaderboard.Api.Tests.ApiClient;

namespace Leaderboard.Api.Tests;

public class LeaderboardsApiTests(LeaderboardApiFactory factory) : IClassFixture<LeaderboardApiFactory>
{
    private readonly HttpClient _http = factory.CreateSigningClient();

    [Fact]
    public async Task TopAndAroundAcrossShardsEqualABruteForceRankingOfTheSameData()
    {
        var players = await _http.CreatePlayersAsync(48, "Ranked");
        var random = new Random(20261122);
        var totals = players.ToDictionary(id => id, _ => 0L);
        for (var round = 0; round < 30; round++)
        {
            var participants = players.OrderBy(_ => random.Next()).Take(random.Next(2, 7)).ToList();
            // Scores from a small range so that ties happen.
            var results = participants.Select(id => (id, (long)random.Next(0, 6) * 10, "draw")).ToArray();
            foreach (var (id, score, _) in results)
            {
                totals[id] += score;
            }
            var matchId = $"rank-{round}";
            using var response = await _http.PostAsJsonAsync("/matches", Match(matchId, "brute", results));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            await factory.ApplyStoredMatchAsync(matchId);
        }
        var top = await _http.GetFromJsonAsync<JsonElement>("/leaderboards/brute?limit=100");
        var actualTop = top.GetProperty("entries").EnumerateArray().Select(Entry).ToList();
        // Only players who took part have an entry on the board.
        var played = await PlayedPlayers(players);
        var expectedAll = BruteForceRanking(totals.Where(entry => played.Contains(entry.Key)));
        Assert.Equal(expectedAll, actualTop);

        var topTen = await _http.GetFromJsonAsync<JsonElement>("/leaderboards/brute");
        Assert.Equal(expectedAll.Take(10), topTen.GetProperty("entries").EnumerateArray().Select(Entry));

        foreach (var index in new[] { 0, 1, expectedAll.Count / 2, expectedAll.Count - 2, expectedAll.Count - 1 })
        {
            var playerId = expectedAll[index].PlayerId;
            var around = await _http.GetFromJsonAsync<JsonElement>($"/leaderboards/brute/players/{playerId}?around=3");
            var window = expectedAll.Skip(Math.Max(0, index - 3)).Take(Math.Min(index, 3) + 1 + 3).ToList();
            Assert.Equal(window, around.GetProperty("entries").EnumerateArray().Select(Entry));
        }
    }

    [Fact]
    public async Task TiedPlayersShareARankAndAreOrderedByPlayerId()
    {
        var players = await _http.CreatePlayersAsync(3, "Tied");
        using var response = await _http.PostAsJsonAsync("/matches", Match("tie-1", "ties", (players[0], 50, "draw"), (players[1], 50, "draw"), (players[2], 10, "loss")));
        await factory.ApplyStoredMatchAsync("tie-1");

        var board = await _http.GetFromJsonAsync<JsonElement>("/leaderboards/ties");

        var entries = board.GetProperty("entries").EnumerateArray().Select(Entry).ToList();
        Assert.Equal([1L, 1, 3], entries.Select(entry => entry.Rank));
        Assert.Equal(players.Take(2).Order(StringComparer.Ordinal), entries.Take(2).Select(entry => entry.PlayerId));
    }

    [Fact]
    public async Task AnEmptyBoardHasNoEntries()
    {
        var board = await _http.GetFromJsonAsync<JsonElement>("/leaderboards/nobody-played-here");

        Assert.Equal("nobody-played-here", board.GetProperty("boardId").GetString());
        Assert.Equal(0, board.GetProperty("entries").GetArrayLength());
    }

    [Fact]
    public async Task APlayerWithoutAnEntryOnTheBoardIsNotFound()
    {
        var playerId = await _http.CreatePlayerAsync("Newcomer");

        using var response = await _http.GetAsync($"/leaderboards/some-board/players/{playerId}?around=2");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("/leaderboards/b?limit=0", "limit")]
    [InlineData("/leaderboards/b?limit=101", "limit")]
    [InlineData("/leaderboards/bad%20board", "boardId")]
    [InlineData("/leaderboards/b/players/p?around=11", "around")]
    [InlineData("/leaderboards/b/players/p?around=-1", "around")]
    public async Task OutOfRangeParametersAreRejectedNamingTheField(string path, string field)
    {
        using var response = await _http.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, await response.ReadErrorFieldsAsync());
    }

    [Fact]
    public async Task ANonNumericLimitIsABadRequestNamingIt()
    {
        using var response = await _http.GetAsync("/leaderboards/b?limit=ten");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("whole number", (await response.ReadJsonAsync()).GetProperty("errors").GetProperty("limit")[0].GetString(), StringComparison.Ordinal);

        using var around = await _http.GetAsync("/leaderboards/b/players/p?around=1.5");
        Assert.Equal(HttpStatusCode.BadRequest, around.StatusCode);
        Assert.Contains("whole number", (await around.ReadJsonAsync()).GetProperty("errors").GetProperty("around")[0].GetString(), StringComparison.Ordinal);
    }

    private async Task<HashSet<string>> PlayedPlayers(IEnumerable<string> players)
    {
        var played = new HashSet<string>();
        foreach (var id in players)
        {
            var player = await _http.GetFromJsonAsync<JsonElement>($"/players/{id}");
            if (player.GetProperty("boards").EnumerateArray().Any(board => board.GetProperty("boardId").GetString() == "brute"))
            {
                played.Add(id);
            }
        }
        return played;
    }

    private static (long Rank, string PlayerId, long Points) Entry(JsonElement entry) =>
        (entry.GetProperty("rank").GetInt64(), entry.GetProperty("playerId").GetString()!, entry.GetProperty("points").GetInt64());

    /// <summary>Sort everyone, then rank = 1 + how many have strictly more points.</summary>
    private static List<(long Rank, string PlayerId, long Points)> BruteForceRanking(IEnumerable<KeyValuePair<string, long>> totals)
    {
        var all = totals.ToList();
        return all
            .Select(entry => (Rank: 1L + all.Count(other => other.Value > entry.Value), PlayerId: entry.Key, Points: entry.Value))
            .OrderByDescending(entry => entry.Points)
            .ThenBy(entry => entry.PlayerId, StringComparer.Ordinal)
            .ToList();
    }
}
