using System.Net;
using System.Net.Http.Headers;
using System.Text;
using AppHost.Definition;

namespace Leaderboard.Api.Tests;

/// <summary>
/// Every route of the app definition's HTTP API, with each <c>Content-Type</c> a client may send: a
/// request without a body is served whatever its header says; a write whose body is not declared JSON
/// gets 415 naming <c>application/json</c>.
/// </summary>
public sealed class ContentTypeTests(LeaderboardApiFactory factory) : IClassFixture<LeaderboardApiFactory>
{
    private const string NoHeader = "none";

    private static readonly string[] ContentTypes =
        [NoHeader, "application/json", "text/plain", "text/html", "application/xml", "multipart/form-data; boundary=sweep"];

    private readonly HttpClient _http = factory.CreateSigningClient();

    public static TheoryData<string, string> ReadRoutes() => RoutesAnd(route => route.ExampleBody is null);

    public static TheoryData<string, string> WriteRoutes() => RoutesAnd(route => route.ExampleBody is not null);

    [Theory]
    [MemberData(nameof(ReadRoutes))]
    public async Task ARequestWithoutABodyIsServedWhateverItsContentType(string method, string path)
    {
        using var unlabelled = await SendAsync(method, path, NoHeader, body: null);
        Assert.NotEqual(HttpStatusCode.UnsupportedMediaType, unlabelled.StatusCode);

        foreach (var contentType in ContentTypes.Skip(1))
        {
            using var response = await SendAsync(method, path, contentType, body: null);
            Assert.True(unlabelled.StatusCode == response.StatusCode,
                $"{method} {path} with Content-Type '{contentType}' answered {(int)response.StatusCode}; without it {(int)unlabelled.StatusCode}.");
        }
    }

    [Theory]
    [MemberData(nameof(WriteRoutes))]
    public async Task AWriteIsReadOnlyWhenItsBodyIsDeclaredJson(string method, string path)
    {
        var example = LeaderboardApp.HttpApi.Routes.Single(route => route.Method == method && route.Path == path).ExampleBody!;

        using var json = await SendAsync(method, path, "application/json", example);
        Assert.NotEqual(HttpStatusCode.UnsupportedMediaType, json.StatusCode);

        foreach (var contentType in ContentTypes.Where(type => type != "application/json"))
        {
            using var response = await SendAsync(method, path, contentType, example);
            Assert.True(response.StatusCode == HttpStatusCode.UnsupportedMediaType,
                $"{method} {path} with Content-Type '{contentType}' answered {(int)response.StatusCode}, not 415: {await response.Content.ReadAsStringAsync()}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.ReadJsonAsync();
            Assert.True(problem.TryGetProperty("detail", out var detail) && detail.GetString()!.Contains("application/json", StringComparison.Ordinal),
                $"{method} {path} with Content-Type '{contentType}': the problem does not name application/json: {problem}");
        }
    }

    private static TheoryData<string, string> RoutesAnd(Func<RouteDefinition, bool> filter)
    {
        var routes = new TheoryData<string, string>();
        foreach (var route in LeaderboardApp.HttpApi.Routes.Where(filter))
        {
            routes.Add(route.Method, route.Path);
        }
        return routes;
    }

    private async Task<HttpResponseMessage> SendAsync(string method, string path, string contentType, string? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), ApiClient.FillParameters(path, "sweep-1"));
        if (body is not null || contentType != NoHeader)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body ?? ""));
            if (contentType != NoHeader)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }
        }
        return await _http.SendAsync(request);
    }
}
