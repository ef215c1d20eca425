using System.Net;
using System.Net.Http.Json;

namespace Leaderboard.Api.Tests;

public class PlayersApiTests(LeaderboardApiFactory factory) : IClassFixture<LeaderboardApiFactory>
{
    private readonly HttpClient _http = factory.CreateClient();

    [Fact]
    public async Task CreatingAPlayerReturnsCreatedWithLocationAndRepresentation()
    {
        using var response = await _http.PostAsJsonAsync("/players", new { displayName = "  Ada  ", region = "eu-west" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.ReadJsonAsync();
        var playerId = body.GetProperty("playerId").GetString();
        Assert.Equal($"/players/{playerId}", response.Headers.Location?.OriginalString);
        Assert.Equal("Ada", body.GetProperty("displayName").GetString());
        Assert.Equal("eu-west", body.GetProperty("region").GetString());
        Assert.True(body.GetProperty("createdAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
    }

    [Fact]
    public async Task ACreatedPlayerCanBeReadBackWithNoBoardsYet()
    {
        var playerId = await _http.CreatePlayerAsync("Grace");

        var body = await _http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/players/{playerId}");

        Assert.Equal(playerId, body.GetProperty("playerId").GetString());
        Assert.Equal("Grace", body.GetProperty("displayName").GetString());
        Assert.Equal(0, body.GetProperty("boards").GetArrayLength());
    }

    [Fact]
    public async Task AnUnknownPlayerIsNotFound()
    {
        using var response = await _http.GetAsync("/players/nobody-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("""{"displayName":"   "}""", "displayName")]
    [InlineData("""{"displayName":"123456789012345678901234567890123"}""", "displayName")]
    [InlineData("""{"displayName":"a\u0001b"}""", "displayName")]
    [InlineData("""{}""", "displayName")]
    [InlineData("""{"displayName":42}""", "displayName")]
    [InlineData("""{"displayName":"Ok","region":"not a region!"}""", "region")]
    [InlineData("""{"displayName":"Ok","rank":1}""", "rank")]
    public async Task InvalidPlayersAreRejectedNamingTheField(string json, string field)
    {
        using var response = await _http.PostJsonAsync("/players", json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, await response.ReadErrorFieldsAsync());
    }

    [Fact]
    public async Task MalformedJsonIsABadRequest()
    {
        using var response = await _http.PostJsonAsync("/players", """{"displayName": "Ada" """);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ABodyOverOneMebibyteIsTooLarge()
    {
        var json = $$"""{"displayName":"{{new string('x', 1024 * 1024)}}"}""";

        using var response = await _http.PostJsonAsync("/players", json);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
