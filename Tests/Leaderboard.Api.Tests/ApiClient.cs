using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Leaderboard.Api.Tests;

/// <summary>Calls of the API the tests repeat, over real HTTP messages.</summary>
public static partial class ApiClient
{
    /// <summary>A route's path with every <c>{parameter}</c> filled with <paramref name="value"/>.</summary>
    public static string FillParameters(string routePath, string value) => PathParameter().Replace(routePath, value);

    public static async Task<string> CreatePlayerAsync(this HttpClient http, string displayName)
    {
        using var response = await http.PostAsJsonAsync("/players", new { displayName });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["playerId"]!.GetValue<string>();
    }

    public static async Task<IReadOnlyList<string>> CreatePlayersAsync(this HttpClient http, int count, string namePrefix = "Player")
    {
        var ids = new List<string>(count);
        foreach (var index in Enumerable.Range(0, count))
        {
            ids.Add(await http.CreatePlayerAsync($"{namePrefix} {index}"));
        }
        return ids;
    }

    public static object Match(string matchId, string boardId, params (string PlayerId, long Score, string Outcome)[] results) => new
    {
        matchId,
        boardId,
        results = results.Select(result => new { playerId = result.PlayerId, score = result.Score, outcome = result.Outcome }).ToArray(),
    };

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient http, string path, string json) =>
        http.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();

    /// <summary>The field names of a validation problem's <c>errors</c>.</summary>
    public static async Task<IReadOnlyList<string>> ReadErrorFieldsAsync(this HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.ReadJsonAsync();
        return body.GetProperty("errors").EnumerateObject().Select(property => property.Name).ToList();
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex PathParameter();
}
