using System.Net;
using System.Net.Http.Json;

namespace Leaderboard.Api.Tests;

public sealed class UnreachableDynamoDbFactory : IAsyncLifetime
{
    public LeaderboardApiFactory Factory { get; } = new() { EndpointOverride = $"http://127.0.0.1:{AppHost.Emulators.LoopbackPorts.PickFree()}" };

    public Task InitializeAsync() => Factory.InitializeAsync();

    public async Task DisposeAsync() => await Factory.DisposeAsync();
}

public class FaultTests(UnreachableDynamoDbFactory unreachable) : IClassFixture<UnreachableDynamoDbFactory>
{
    [Theory]
    [InlineData("GET", "/players/p1")]
    [InlineData("GET", "/leaderboards/b1")]
    [InlineData("POST", "/players")]
    public async Task AnUnreachableDataStoreIsServiceUnavailableWithoutInternals(string method, string path)
    {
        using var http = unreachable.Factory.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = JsonContent.Create(new { displayName = "Ada" });
        }

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
    }
}
