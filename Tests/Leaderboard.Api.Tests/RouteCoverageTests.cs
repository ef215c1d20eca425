using System.Net;
using AppHost.Definition;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Leaderboard.Api.Tests;

/// <summary>
/// Routes both ways: every route the app definition gives <c>leaderboard-api</c> (which the gateway and
/// CDK serve) has a handler in the function, and every handler the function maps has a declared route.
/// </summary>
public sealed class RouteCoverageTests(LeaderboardApiFactory factory) : IClassFixture<LeaderboardApiFactory>
{
    /// <summary>Mapped for the orchestrator's liveness probe when the function runs on Kestrel; no gateway route leads there.</summary>
    private static readonly HashSet<string> InfrastructureRoutes = ["ANY /alive"];

    private readonly HttpClient _http = factory.CreateSigningClient();

    [Fact]
    public void EveryDeclaredRouteHasAHandlerAndEveryHandlerADeclaredRoute()
    {
        var declared = LeaderboardApp.HttpApi.Routes
            .Where(route => route.Function == LeaderboardApp.Api.Name)
            .Select(route => route.RouteKey)
            .ToHashSet(StringComparer.Ordinal);

        var (withoutHandler, withoutRoute) = Compare(declared, MappedRouteKeys());

        Assert.True(withoutHandler.Count == 0, $"Declared for {LeaderboardApp.Api.Name} but not handled: {string.Join(", ", withoutHandler)}");
        Assert.True(withoutRoute.Count == 0, $"Handled by {LeaderboardApp.Api.Name} but not declared in the app definition: {string.Join(", ", withoutRoute)}");
    }

    [Fact]
    public void AHandlerRemovedFromTheFunctionIsNamed()
    {
        var declared = LeaderboardApp.HttpApi.Routes.Where(route => route.Function == LeaderboardApp.Api.Name).Select(route => route.RouteKey).ToHashSet();
        var mapped = MappedRouteKeys().Where(key => key != "GET /matches/{matchId}").ToHashSet();

        var (withoutHandler, withoutRoute) = Compare(declared, mapped);

        Assert.Equal(["GET /matches/{matchId}"], withoutHandler);
        Assert.Empty(withoutRoute);
    }

    [Fact]
    public async Task EveryDeclaredRouteIsAnsweredByItsHandlerNotByRouting()
    {
        foreach (var route in LeaderboardApp.HttpApi.Routes.Where(route => route.Function == LeaderboardApp.Api.Name))
        {
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), ApiClient.FillParameters(route.Path, "coverage-1"));
            if (route.ExampleBody is { } body)
            {
                request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            }
            using var response = await _http.SendAsync(request);

            // Routing's own 404 and 405 have no handler's title; a handler's 404 names what was not found.
            Assert.NotEqual(HttpStatusCode.MethodNotAllowed, response.StatusCode);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                var title = (await response.ReadJsonAsync()).GetProperty("title").GetString();
                Assert.True(title != "Not Found", $"{route.RouteKey} reached no handler.");
            }
        }
    }

    /// <summary>
    /// Declared route keys no handler takes, and handlers no declared route leads to. A handler mapped
    /// for every method (<c>ANY</c>, as health checks are) takes a declared route of any method on its path.
    /// </summary>
    private static (IReadOnlyList<string> WithoutHandler, IReadOnlyList<string> WithoutRoute) Compare(HashSet<string> declared, HashSet<string> mapped)
    {
        static string PathOf(string key) => key[(key.IndexOf(' ', StringComparison.Ordinal) + 1)..];
        var withoutHandler = declared.Where(key => !mapped.Contains(key) && !mapped.Contains("ANY " + PathOf(key)));
        var withoutRoute = mapped.Except(InfrastructureRoutes)
            .Where(key => !declared.Contains(key) && !(key.StartsWith("ANY ", StringComparison.Ordinal) && declared.Any(route => PathOf(route) == PathOf(key))));
        return ([.. withoutHandler.Order(StringComparer.Ordinal)], [.. withoutRoute.Order(StringComparer.Ordinal)]);
    }

    /// <summary>The function's endpoints as API Gateway route keys (<c>GET /players/{playerId}</c>).</summary>
    private HashSet<string> MappedRouteKeys() =>
        factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["ANY"])
                .Select(method => $"{method} {RouteKeyPath(endpoint.RoutePattern.RawText ?? "")}"))
            .ToHashSet(StringComparer.Ordinal);

    private static string RouteKeyPath(string pattern) => "/" + pattern.Trim('/');
}
