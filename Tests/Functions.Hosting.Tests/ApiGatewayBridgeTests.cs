using System.Text;

namespace Functions.Hosting.Tests;

/// <summary>What the bridge does the same way for both payload formats; each format runs every test.</summary>
public abstract class ApiGatewayBridgeTests(BridgeFixture bridge)
{
    protected BridgeFixture Bridge => bridge;

    [Fact]
    public async Task MethodPathAndBodyReachTheEndpoint()
    {
        const string json = """{"name":"Zoë"}""";

        var response = await bridge.SendAsync(new GatewayRequest
        {
            Method = "POST",
            Path = "/echo/items/42",
            Headers = [("Content-Type", "application/json")],
            Body = Encoding.UTF8.GetBytes(json),
        });

        Assert.Equal(200, response.StatusCode);
        var echo = response.ReadJsonBody<RequestEcho>();
        Assert.Equal("POST", echo.Method);
        Assert.Equal("", echo.PathBase);
        Assert.Equal("/echo/items/42", echo.Path);
        Assert.Equal("https", echo.Scheme);
        Assert.Equal("HTTP/1.1", echo.Protocol);
        Assert.Equal(json, echo.BodyText);
        Assert.Equal(Encoding.UTF8.GetByteCount(json), echo.ContentLength);
    }

    [Fact]
    public async Task NamedStageBecomesThePathBase()
    {
        var response = await bridge.SendAsync(new GatewayRequest { Stage = "prod", Path = "/echo/a" });

        var echo = response.ReadJsonBody<RequestEcho>();
        Assert.Equal("/prod", echo.PathBase);
        Assert.Equal("/echo/a", echo.Path);
    }

    [Fact]
    public async Task EncodedPathIsDecodedExceptForSlashes()
    {
        var response = await bridge.SendAsync(new GatewayRequest { Path = "/echo/caf%C3%A9%20au%2Flait" });

        Assert.Equal("/echo/café au%2Flait", response.ReadJsonBody<RequestEcho>().Path);
    }

    [Fact]
    public async Task QueryKeepsRepeatedKeysAndEncodedCharacters()
    {
        var response = await bridge.SendAsync(new GatewayRequest
        {
            Path = "/echo",
            Query = [("tag", "a"), ("tag", "b"), ("q", "café & crème"), ("plus", "1+1")],
        });

        var echo = response.ReadJsonBody<RequestEcho>();
        Assert.Equal(["a", "b"], echo.Query["tag"]);
        Assert.Equal(["café & crème"], echo.Query["q"]);
        Assert.Equal(["1+1"], echo.Query["plus"]);
        Assert.Equal("?tag=a&tag=b&q=caf%C3%A9%20%26%20cr%C3%A8me&plus=1%2B1", echo.QueryString);
    }

    [Fact]
    public async Task RepeatedRequestHeadersKeepEveryValue()
    {
        var response = await bridge.SendAsync(new GatewayRequest
        {
            Path = "/echo",
            Headers = [("X-Tags", "a"), ("X-Tags", "b"), ("X-Single", "only")],
        });

        var echo = response.ReadJsonBody<RequestEcho>();
        Assert.Equal("a,b", echo.Header("x-tags"));
        Assert.Equal("only", echo.Header("X-SINGLE"));
    }

    [Fact]
    public async Task RequestCookiesReachTheApplication()
    {
        var response = await bridge.SendAsync(new GatewayRequest { Path = "/echo", Cookies = ["session=abc", "theme=dark"] });

        var echo = response.ReadJsonBody<RequestEcho>();
        Assert.Equal(new Dictionary<string, string> { ["session"] = "abc", ["theme"] = "dark" }, echo.Cookies);
        Assert.Equal("session=abc; theme=dark", echo.Header("Cookie"));
    }

    [Fact]
    public async Task Base64RequestBodyIsDecoded()
    {
        var response = await bridge.SendAsync(new GatewayRequest
        {
            Method = "PUT",
            Path = "/echo",
            Headers = [("Content-Type", "application/octet-stream")],
            Body = BridgeFixture.BinaryBody,
            IsBase64Encoded = true,
        });

        var echo = response.ReadJsonBody<RequestEcho>();
        Assert.Equal(Convert.ToBase64String(BridgeFixture.BinaryBody), echo.BodyBase64);
        Assert.Equal(BridgeFixture.BinaryBody.Length, echo.ContentLength);
    }

    [Fact]
    public async Task RequestWithoutBodyHasNoContentLength()
    {
        var response = await bridge.SendAsync(new GatewayRequest { Path = "/echo" });

        var echo = response.ReadJsonBody<RequestEcho>();
        Assert.Equal("", echo.BodyBase64);
        Assert.Null(echo.ContentLength);
    }

    [Fact]
    public async Task BinaryResponseIsBase64Encoded()
    {
        var response = await bridge.SendAsync(new GatewayRequest { Path = "/binary" });

        Assert.True(response.IsBase64Encoded);
        Assert.Equal(BridgeFixture.BinaryBody, response.BodyBytes);
        Assert.Equal(["application/octet-stream"], response.Headers["Content-Type"]);
    }

    [Theory]
    [InlineData("/text", "héllo wörld")]
    [InlineData("/problem", """{"title":"Nope"}""")]
    public async Task TextResponseIsNotEncoded(string path, string expectedBody)
    {
        var response = await bridge.SendAsync(new GatewayRequest { Path = path });

        Assert.False(response.IsBase64Encoded);
        Assert.Equal(expectedBody, response.Body);
    }

    [Theory]
    [InlineData(201)]
    [InlineData(204)]
    [InlineData(404)]
    [InlineData(503)]
    public async Task StatusCodeAndEmptyBodyArePassedThrough(int statusCode)
    {
        var response = await bridge.SendAsync(new GatewayRequest { Path = $"/status/{statusCode}" });

        Assert.Equal(statusCode, response.StatusCode);
        Assert.Equal("", response.Body);
        Assert.False(response.IsBase64Encoded);
    }

    [Fact]
    public async Task SetCookieHeadersComeBackOneCookieEach()
    {
        var response = await bridge.SendAsync(new GatewayRequest { Path = "/cookies" });

        Assert.Equal(["session=abc; path=/", "theme=dark; path=/"], response.SetCookies);
    }

    [Fact]
    public async Task ResponseHeaderNameKeepsItsCasing()
    {
        var response = await bridge.SendAsync(new GatewayRequest { Path = "/headers" });

        Assert.Contains("X-Custom-Casing", response.Headers.Keys);
        Assert.Equal(["kept"], response.Headers["X-Custom-Casing"]);
    }

    [Fact]
    public async Task GatewayRequestIdBecomesTheTraceIdentifier()
    {
        var response = await bridge.SendAsync(new GatewayRequest { Path = "/echo", RequestId = "gateway-77" });

        Assert.Equal("gateway-77", response.ReadJsonBody<RequestEcho>().TraceIdentifier);
    }

    [Fact]
    public async Task SourceIpBecomesTheRemoteAddress()
    {
        var response = await bridge.SendAsync(new GatewayRequest { Path = "/echo", SourceIp = "198.51.100.23" });

        Assert.Equal("198.51.100.23", response.ReadJsonBody<RequestEcho>().RemoteIp);
    }

    [Fact]
    public async Task LambdaContextIsReachableFromHttpContext()
    {
        var response = await bridge.SendAsync(
            new GatewayRequest { Path = "/lambda" },
            new InvocationHeaders { RequestId = "lambda-request-9" });

        var lambda = response.ReadJsonBody<LambdaEcho>();
        Assert.Equal("lambda-request-9", lambda.AwsRequestId);
        Assert.Equal(BridgeFixture.FunctionName, lambda.FunctionName);
    }

    [Fact]
    public async Task UnhandledExceptionAnswers500AndTheNextInvocationIsServed()
    {
        var failed = await bridge.SendAsync(new GatewayRequest { Path = "/throw" });
        var next = await bridge.SendAsync(new GatewayRequest { Path = "/status/202" });

        Assert.Equal(500, failed.StatusCode);
        Assert.Equal("", failed.Body);
        Assert.Equal(202, next.StatusCode);
    }

    [Fact]
    public async Task EachInvocationRunsInItsOwnServiceScope()
    {
        var first = await bridge.SendAsync(new GatewayRequest { Path = "/scope" });
        var second = await bridge.SendAsync(new GatewayRequest { Path = "/scope" });

        Assert.NotEqual(first.Body, second.Body);
    }

    [Fact]
    public async Task RequestIsAbortedWhenTheInvocationNearsItsDeadline()
    {
        var response = await bridge.SendAsync(
            new GatewayRequest { Path = "/wait-for-abort" },
            new InvocationHeaders { Deadline = DateTimeOffset.UtcNow.AddMilliseconds(100) });

        Assert.Equal("aborted", response.Body);
    }

    [Fact]
    public async Task UnreadableEventIsReportedAsTheInvocationError()
    {
        var result = await bridge.Runtime.InvokeAsync("[1, 2]");

        Assert.Null(result.Response);
        Assert.Equal("System.Text.Json.JsonException", result.Error?.ErrorType);
    }
}
