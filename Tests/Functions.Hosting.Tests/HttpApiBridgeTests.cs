using System.Text.Json.Nodes;

namespace Functions.Hosting.Tests;

/// <summary>The bridge with API Gateway payload format 2.0 (HTTP API).</summary>
public sealed class HttpApiBridgeTests(HttpApiBridgeFixture bridge) : ApiGatewayBridgeTests(bridge), IClassFixture<HttpApiBridgeFixture>
{
    [Fact]
    public async Task SetCookieGoesToTheCookiesArrayNotTheHeaders()
    {
        var response = await Bridge.SendAsync(new GatewayRequest { Path = "/cookies" });

        Assert.Equal(2, response.Raw.GetProperty("cookies").GetArrayLength());
        Assert.DoesNotContain(response.Headers.Keys, name => name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task RepeatedResponseHeadersAreCommaJoined()
    {
        var response = await Bridge.SendAsync(new GatewayRequest { Path = "/headers" });

        Assert.Equal("one,two", response.Raw.GetProperty("headers").GetProperty("X-Multi").GetString());
    }

    [Fact]
    public async Task HttpApiEventIsReachableFromHttpContext()
    {
        var response = await Bridge.SendAsync(new GatewayRequest { Path = "/lambda" });

        var lambda = response.ReadJsonBody<LambdaEcho>();
        Assert.Equal("$default", lambda.HttpApiRouteKey);
        Assert.Null(lambda.RestApiResource);
    }

    [Theory]
    [InlineData("prod", "/echo/a", "", "/echo/a")]
    [InlineData("ech", "/echo/a", "", "/echo/a")]
    [InlineData("prod", "/prod", "/prod", "/")]
    public async Task StageOnlyMovesToThePathBaseWhenItLeadsThePath(string stage, string rawPath, string pathBase, string path)
    {
        var lambdaEvent = JsonNode.Parse(HttpApiMessages.ToEvent(new GatewayRequest()))!;
        lambdaEvent["rawPath"] = rawPath;
        lambdaEvent["requestContext"]!["stage"] = stage;

        var result = await Bridge.Runtime.InvokeAsync(lambdaEvent.ToJsonString());

        var echo = HttpApiMessages.ReadResponse(result).ReadJsonBody<RequestEcho>();
        Assert.Equal(pathBase, echo.PathBase);
        Assert.Equal(path, echo.Path);
    }
}
