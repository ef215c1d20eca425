using System.Text.Json.Nodes;

namespace Functions.Hosting.Tests;

/// <summary>The bridge with API Gateway payload format 1.0 (REST API).</summary>
public sealed class RestApiBridgeTests(RestApiBridgeFixture bridge) : ApiGatewayBridgeTests(bridge), IClassFixture<RestApiBridgeFixture>
{
    [Fact]
    public async Task RepeatedResponseHeadersAreListedWithTheLastInHeaders()
    {
        var response = await Bridge.SendAsync(new GatewayRequest { Path = "/headers" });

        Assert.Equal(["one", "two"], response.Headers["X-Multi"]);
        Assert.Equal("two", response.Raw.GetProperty("headers").GetProperty("X-Multi").GetString());
    }

    [Fact]
    public async Task RestApiEventIsReachableFromHttpContext()
    {
        var response = await Bridge.SendAsync(new GatewayRequest { Path = "/lambda" });

        var lambda = response.ReadJsonBody<LambdaEcho>();
        Assert.Equal("/{proxy+}", lambda.RestApiResource);
        Assert.Null(lambda.HttpApiRouteKey);
    }

    [Fact]
    public async Task StageRootIsTheRootPath()
    {
        var lambdaEvent = JsonNode.Parse(RestApiMessages.ToEvent(new GatewayRequest { Stage = "prod", Path = "/" }))!;
        lambdaEvent["requestContext"]!["path"] = "/prod";

        var result = await Bridge.Runtime.InvokeAsync(lambdaEvent.ToJsonString());

        var echo = RestApiMessages.ReadResponse(result).ReadJsonBody<RequestEcho>();
        Assert.Equal("/prod", echo.PathBase);
        Assert.Equal("/", echo.Path);
    }

    [Fact]
    public async Task SingleValueMapsAreUsedWhenMultiValueMapsAreAbsent()
    {
        var lambdaEvent = JsonNode.Parse(RestApiMessages.ToEvent(new GatewayRequest
        {
            Path = "/echo",
            Headers = [("X-Single", "only")],
            Query = [("q", "a b")],
        }))!.AsObject();
        lambdaEvent.Remove("multiValueHeaders");
        lambdaEvent.Remove("multiValueQueryStringParameters");

        var result = await Bridge.Runtime.InvokeAsync(lambdaEvent.ToJsonString());

        var echo = RestApiMessages.ReadResponse(result).ReadJsonBody<RequestEcho>();
        Assert.Equal("only", echo.Header("X-Single"));
        Assert.Equal(["a b"], echo.Query["q"]);
    }
}
