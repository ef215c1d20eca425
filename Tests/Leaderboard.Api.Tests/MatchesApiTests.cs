using System.Net;
using System.Net.Http.Json;
using static Leaderboard.Api.Tests.ApiClient;

namespace Leaderboard.Api.Tests;

public class MatchesApiTests(LeaderboardApiFactory factory) : IClassFixture<LeaderboardApiFactory>
{
    private readonly HttpClient _http = factory.CreateSigningClient();

    [Fact]
    public async Task SubmittingAMatchIsAcceptedWithLocationAndRepresentation()
    {
        var (alice, bob) = (await _http.CreatePlayerAsync("Alice"), await _http.CreatePlayerAsync("Bob"));

        using var response = await _http.PostAsJsonAsync("/matches", Match("m-accept", "b1", (alice, 300, "win"), (bob, 120, "loss")));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("/matches/m-accept", response.Headers.Location?.OriginalString);
        var body = await response.ReadJsonAsync();
        Assert.Equal("b1", body.GetProperty("boardId").GetString());
        Assert.False(body.GetProperty("processed").GetBoolean());
        Assert.Equal("Alice", body.GetProperty("results")[0].GetProperty("displayName").GetString());
        Assert.Equal(120, body.GetProperty("results")[1].GetProperty("score").GetInt64());
    }

    [Fact]
    public async Task SubmittingTheSameMatchTwiceReturnsTheStoredRepresentation()
    {
        var (alice, bob) = (await _http.CreatePlayerAsync("Alice"), await _http.CreatePlayerAsync("Bob"));
        var match = new
        {
            matchId = "m-twice",
            boardId = "b1",
            playedAt = "2026-01-02T03:04:05Z",
            results = new[] { new { playerId = alice, score = 10, outcome = "draw" }, new { playerId = bob, score = 10, outcome = "draw" } },
        };

        using var first = await _http.PostAsJsonAsync("/matches", match);
        using var second = await _http.PostAsJsonAsync("/matches", match);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheSameMatchIdWithADifferentBodyIsAConflict()
    {
        var (alice, bob) = (await _http.CreatePlayerAsync("Alice"), await _http.CreatePlayerAsync("Bob"));
        using var first = await _http.PostAsJsonAsync("/matches", Match("m-conflict", "b1", (alice, 10, "win"), (bob, 5, "loss")));

        using var second = await _http.PostAsJsonAsync("/matches", Match("m-conflict", "b1", (alice, 11, "win"), (bob, 5, "loss")));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var stored = await _http.GetFromJsonAsync<System.Text.Json.JsonElement>("/matches/m-conflict");
        Assert.Equal(10, stored.GetProperty("results")[0].GetProperty("score").GetInt64());
    }

    [Fact]
    public async Task ConcurrentSubmissionsOfOneMatchStoreExactlyOne()
    {
        var (alice, bob) = (await _http.CreatePlayerAsync("Alice"), await _http.CreatePlayerAsync("Bob"));
        var match = Match("m-race", "b-race", (alice, 7, "win"), (bob, 3, "loss"));

        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => _http.PostAsJsonAsync("/matches", match)));

        Assert.Equal(1, responses.Count(response => response.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(23, responses.Count(response => response.StatusCode == HttpStatusCode.OK));
        var bodies = await Task.WhenAll(responses.Select(response => response.Content.ReadAsStringAsync()));
        Assert.Single(bodies.Distinct());
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task UnknownPlayersAreUnprocessableAndNamed()
    {
        var alice = await _http.CreatePlayerAsync("Alice");

        using var response = await _http.PostAsJsonAsync("/matches", Match("m-unknown", "b1", (alice, 1, "win"), ("ghost-1", 0, "loss"), ("ghost-2", 0, "loss")));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.Equal(["ghost-1", "ghost-2"], body.GetProperty("unknownPlayers").EnumerateArray().Select(id => id.GetString()));
        using var stored = await _http.GetAsync("/matches/m-unknown");
        Assert.Equal(HttpStatusCode.NotFound, stored.StatusCode);
    }

    [Theory]
    [InlineData("""{"matchId":"m 1","boardId":"b","results":[{"playerId":"a","score":1,"outcome":"win"},{"playerId":"b","score":1,"outcome":"loss"}]}""", "matchId")]
    [InlineData("""{"matchId":"m1","results":[{"playerId":"a","score":1,"outcome":"win"},{"playerId":"b","score":1,"outcome":"loss"}]}""", "boardId")]
    [InlineData("""{"matchId":"m1","boardId":"b","results":[{"playerId":"a","score":1,"outcome":"win"}]}""", "results")]
    [InlineData("""{"matchId":"m1","boardId":"b"}""", "results")]
    [InlineData("""{"matchId":"m1","boardId":"b","results":[{"playerId":"a","score":1,"outcome":"win"},{"playerId":"a","score":1,"outcome":"loss"}]}""", "results[1].playerId")]
    [InlineData("""{"matchId":"m1","boardId":"b","results":[{"playerId":"a","score":1,"outcome":"win"},{"playerId":"b","score":1000001,"outcome":"loss"}]}""", "results[1].score")]
    [InlineData("""{"matchId":"m1","boardId":"b","results":[{"playerId":"a","score":-1,"outcome":"win"},{"playerId":"b","score":1,"outcome":"loss"}]}""", "results[0].score")]
    [InlineData("""{"matchId":"m1","boardId":"b","results":[{"playerId":"a","score":1,"outcome":"won"},{"playerId":"b","score":1,"outcome":"loss"}]}""", "results[0].outcome")]
    [InlineData("""{"matchId":"m1","boardId":"b","results":[{"playerId":"a","score":"1","outcome":"win"},{"playerId":"b","score":1,"outcome":"loss"}]}""", "results[0].score")]
    [InlineData("""{"matchId":"m1","boardId":"b","results":[{"playerId":"a","score":1.5,"outcome":"win"},{"playerId":"b","score":1,"outcome":"loss"}]}""", "results[0].score")]
    [InlineData("""{"matchId":"m1","boardId":"b","playedAt":"yesterday","results":[]}""", "playedAt")]
    [InlineData("""{"matchId":"m1","boardId":"b","winner":"a","results":[]}""", "winner")]
    public async Task InvalidMatchesAreRejectedNamingTheField(string json, string field)
    {
        using var response = await _http.PostJsonAsync("/matches", json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, await response.ReadErrorFieldsAsync());
    }

    [Fact]
    public async Task AMatchOfMoreThanOneHundredPlayersIsRejected()
    {
        var results = Enumerable.Range(0, 101).Select(i => ($"p{i}", 1L, "draw")).ToArray();

        using var response = await _http.PostAsJsonAsync("/matches", Match("m-crowd", "b1", results));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("results", await response.ReadErrorFieldsAsync());
    }

    [Fact]
    public async Task AnUnknownMatchIsNotFoundAndAnInvalidIdIsABadRequest()
    {
        using var missing = await _http.GetAsync("/matches/never-submitted");
        using var invalid = await _http.GetAsync("/matches/bad%20id");

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }
}
