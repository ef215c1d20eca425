using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AppHost.Definition;
using AppHost.Emulators.ApiGateway;
using AppHost.Emulators.Lambda;

namespace AppHost.Emulators.Tests;

/// <summary>An HTTP API and a REST API in front of the test function, over real HTTP.</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public const string ApiKey = "test-api-key";

    public static HttpApiDefinition HttpApi { get; } = new("test-http-api", ApiKind.Http,
    [
        new("GET", "/echo/{id}", "test-function"),
        new("GET", "/echo/fixed", "test-function"),
        new("POST", "/echo/{id}", "test-function"),
        new("ANY", "/files/{proxy+}", "test-function"),
        new("GET", "/behaviour/{name}", "test-function"),
        new("GET", "/hang-up/{name}", "test-function"),
        new("POST", "/secure", "test-function", RequiresJwt: true, Scopes: ["things:write"]),
        new("GET", "/behaviour/slow", "slow-function"),
        new("GET", "/busy", "slow-function"),
    ],
    JwtAuthorizer: new JwtAuthorizerDefinition("test-jwt", ["test-audience"]),
    Cors: new CorsDefinition(["https://app.example"], ["GET", "POST"], ["authorization", "content-type"], 600));

    public static HttpApiDefinition RestApi { get; } = new("test-rest-api", ApiKind.Rest,
    [
        new("GET", "/keyed/{id}", "test-function", RequiresApiKey: true),
        new("GET", "/behaviour/{name}", "test-function"),
        new("ANY", "/{proxy+}", "test-function"),
    ],
    Stage: "prod");

    private readonly List<LambdaFunction> _functions = [];
    private readonly SpanRecorder _spans = new(EmulatorTelemetry.ApiGatewaySourceName);

    /// <summary>The gateway's finished spans.</summary>
    public System.Collections.Concurrent.ConcurrentBag<Activity> Spans => _spans.Spans;

    public ApiGatewayEmulator Http { get; private set; } = null!;

    public ApiGatewayEmulator Rest { get; private set; } = null!;

    public HttpClient Client { get; } = new();

    public LambdaFunction TestFunction => _functions[0];

    public async Task InitializeAsync()
    {
        _functions.Add(new LambdaFunction(TestFunctions.Settings(reservedConcurrency: 4)));
        _functions.Add(new LambdaFunction(TestFunctions.Settings(name: "slow-function", reservedConcurrency: 1)));
        LambdaFunction? Find(string name) => _functions.SingleOrDefault(function => function.Settings.Name == name);
        Http = await ApiGatewayEmulator.StartAsync(HttpApi, Find, new ApiGatewayOptions { Port = 0, IntegrationTimeout = TimeSpan.FromSeconds(3) });
        Rest = await ApiGatewayEmulator.StartAsync(RestApi, Find, new ApiGatewayOptions { Port = 0, ApiKeys = [ApiKey] });
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        _spans.Dispose();
        await Http.DisposeAsync();
        await Rest.DisposeAsync();
        foreach (var function in _functions)
        {
            await function.DisposeAsync();
        }
    }
}

public class ApiGatewayTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private readonly HttpClient _http = fixture.Client;

    private Uri HttpUrl(string pathAndQuery) => new(fixture.Http.Endpoint, pathAndQuery.TrimStart('/'));

    private Uri RestUrl(string pathAndQuery) => new(fixture.Rest.Endpoint, "prod/" + pathAndQuery.TrimStart('/'));

    private async Task<JsonElement> EchoedEventAsync(HttpRequestMessage request)
    {
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    [Fact]
    public async Task AnHttpApiRequestBecomesAPayloadTwoEvent()
    {
        var e = await RawHttp.GetJsonBodyAsync(fixture.Http.Endpoint, "/echo/item%2042?a=1&a=2&b=x%20y",
            "X-Multi: one", "X-Multi: two", "Cookie: session=abc; theme=dark", "User-Agent: gateway-tests/1.0");

        Assert.Equal("2.0", e.GetProperty("version").GetString());
        Assert.Equal("GET /echo/{id}", e.GetProperty("routeKey").GetString());
        Assert.Equal("/echo/item%2042", e.GetProperty("rawPath").GetString());
        Assert.Equal("a=1&a=2&b=x%20y", e.GetProperty("rawQueryString").GetString());
        Assert.Equal("1,2", e.GetProperty("queryStringParameters").GetProperty("a").GetString());
        Assert.Equal("x y", e.GetProperty("queryStringParameters").GetProperty("b").GetString());
        Assert.Equal("item 42", e.GetProperty("pathParameters").GetProperty("id").GetString());
        Assert.Equal("one,two", e.GetProperty("headers").GetProperty("x-multi").GetString());
        Assert.False(e.GetProperty("headers").TryGetProperty("cookie", out _));
        Assert.Equal(["session=abc", "theme=dark"], e.GetProperty("cookies").EnumerateArray().Select(cookie => cookie.GetString()));
        var traceparent = e.GetProperty("headers").GetProperty("traceparent").GetString()!;
        var invokeSpan = fixture.Spans.Single(span => span.Kind == ActivityKind.Client && span.Id == traceparent);
        Assert.Equal("Invoke test-function", invokeSpan.DisplayName);
        Assert.Contains(fixture.Spans, span => span.Kind == ActivityKind.Server && span.SpanId == invokeSpan.ParentSpanId && span.DisplayName == "GET /echo/{id}");
        var context = e.GetProperty("requestContext");
        Assert.Equal("000000000000", context.GetProperty("accountId").GetString());
        Assert.Equal("GET", context.GetProperty("http").GetProperty("method").GetString());
        Assert.Equal("127.0.0.1", context.GetProperty("http").GetProperty("sourceIp").GetString());
        Assert.Equal("gateway-tests/1.0", context.GetProperty("http").GetProperty("userAgent").GetString());
        Assert.Equal("HTTP/1.1", context.GetProperty("http").GetProperty("protocol").GetString());
        Assert.Equal("$default", context.GetProperty("stage").GetString());
        Assert.Equal("GET /echo/{id}", context.GetProperty("routeKey").GetString());
        Assert.False(string.IsNullOrEmpty(context.GetProperty("requestId").GetString()));
        Assert.True(context.GetProperty("timeEpoch").GetInt64() > 0);
        Assert.Matches(@"^\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} \+0000$", context.GetProperty("time").GetString());
        Assert.Equal(JsonValueKind.Null, e.GetProperty("body").ValueKind);
    }

    [Fact]
    public async Task ResponsesCarryTheGatewayRequestId()
    {
        using var response = await _http.GetAsync(HttpUrl("/echo/1"));

        Assert.False(string.IsNullOrEmpty(response.Headers.GetValues("apigw-requestid").Single()));
    }

    [Fact]
    public async Task TheMostSpecificRouteWins()
    {
        var literal = await EchoedEventAsync(new HttpRequestMessage(HttpMethod.Get, HttpUrl("/echo/fixed")));
        var greedy = await EchoedEventAsync(new HttpRequestMessage(HttpMethod.Delete, HttpUrl("/files/a/b/c.txt")));

        Assert.Equal("GET /echo/fixed", literal.GetProperty("routeKey").GetString());
        Assert.Equal("ANY /files/{proxy+}", greedy.GetProperty("routeKey").GetString());
        Assert.Equal("a/b/c.txt", greedy.GetProperty("pathParameters").GetProperty("proxy").GetString());
    }

    [Fact]
    public async Task TextBodiesArePassedAsIsAndBinaryBodiesBase64Encoded()
    {
        var text = await EchoedEventAsync(new HttpRequestMessage(HttpMethod.Post, HttpUrl("/echo/1"))
        {
            Content = new StringContent("""{"x":1}""", Encoding.UTF8, "application/json"),
        });
        var binaryContent = new ByteArrayContent([0, 1, 2, 255]);
        binaryContent.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var binary = await EchoedEventAsync(new HttpRequestMessage(HttpMethod.Post, HttpUrl("/echo/1")) { Content = binaryContent });

        Assert.Equal("""{"x":1}""", text.GetProperty("body").GetString());
        Assert.False(text.GetProperty("isBase64Encoded").GetBoolean());
        Assert.Equal(Convert.ToBase64String([0, 1, 2, 255]), binary.GetProperty("body").GetString());
        Assert.True(binary.GetProperty("isBase64Encoded").GetBoolean());
    }

    [Fact]
    public async Task StructuredResponsesSetStatusHeadersCookiesAndBinaryBodies()
    {
        using var cookies = await _http.GetAsync(HttpUrl("/behaviour/cookies"));
        using var binary = await _http.GetAsync(HttpUrl("/behaviour/binary"));

        Assert.Equal(HttpStatusCode.Created, cookies.StatusCode);
        Assert.Equal("a", cookies.Headers.GetValues("x-custom").Single());
        Assert.Equal(["session=abc; Path=/", "theme=dark"], cookies.Headers.GetValues("Set-Cookie"));
        Assert.Equal("image/png", binary.Content.Headers.ContentType?.MediaType);
        Assert.Equal([0x89, 0x50, 0x4E, 0x47, 0x00, 0xFF], await binary.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task ASimpleResponseIsAJsonBodyWithStatus200()
    {
        using var response = await _http.GetAsync(HttpUrl("/behaviour/simple"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"hello":"world"}""", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/nowhere", HttpStatusCode.NotFound, "Not Found")]
    [InlineData("/behaviour/throw", HttpStatusCode.InternalServerError, "Internal Server Error")]
    [InlineData("/behaviour/malformed", HttpStatusCode.InternalServerError, "Internal Server Error")]
    public async Task ErrorsLookLikeApiGateways(string path, HttpStatusCode status, string message)
    {
        using var response = await _http.GetAsync(HttpUrl(path));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal($$"""{"message":"{{message}}"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ASlowFunctionIsServiceUnavailableAndABusyOneIsThrottled()
    {
        using var slow = await _http.GetAsync(HttpUrl("/behaviour/slow"));
        // The slow invocation (6 s) still holds the only environment for three more seconds.
        using var busy = await _http.GetAsync(HttpUrl("/busy"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, slow.StatusCode);
        Assert.Equal("""{"message":"Service Unavailable"}""", await slow.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.TooManyRequests, busy.StatusCode);
        Assert.Equal("""{"message":"Too Many Requests"}""", await busy.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ABodyOverTenMegabytesIsTooLarge()
    {
        using var response = await _http.PostAsync(HttpUrl("/echo/1"), new ByteArrayContent(new byte[(10 * 1024 * 1024) + 1]));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task TheJwtAuthorizerAdmitsValidTokensAndPassesTheirClaims()
    {
        var token = fixture.Http.Issuer.Mint("test-audience", ["things:write", "other"], subject: "player-1");
        using var request = new HttpRequestMessage(HttpMethod.Post, HttpUrl("/secure")) { Content = new StringContent("{}") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var e = await EchoedEventAsync(request);

        var jwt = e.GetProperty("requestContext").GetProperty("authorizer").GetProperty("jwt");
        Assert.Equal("player-1", jwt.GetProperty("claims").GetProperty("sub").GetString());
        Assert.Equal(fixture.Http.Issuer.Issuer, jwt.GetProperty("claims").GetProperty("iss").GetString());
        Assert.Equal(["things:write", "other"], jwt.GetProperty("scopes").EnumerateArray().Select(scope => scope.GetString()));
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("not-a-token", HttpStatusCode.Unauthorized)]
    [InlineData("wrong-audience", HttpStatusCode.Unauthorized)]
    [InlineData("expired", HttpStatusCode.Unauthorized)]
    [InlineData("tampered", HttpStatusCode.Unauthorized)]
    [InlineData("missing-scope", HttpStatusCode.Forbidden)]
    public async Task TheJwtAuthorizerRefusesBadTokens(string? kind, HttpStatusCode expected)
    {
        var issuer = fixture.Http.Issuer;
        var token = kind switch
        {
            null => null,
            "not-a-token" => "abc.def",
            "wrong-audience" => issuer.Mint("someone-else", ["things:write"]),
            "expired" => issuer.Mint("test-audience", ["things:write"], lifetime: TimeSpan.FromMinutes(-5)),
            "tampered" => issuer.Mint("test-audience", ["other"])[..^4] + "AAAA",
            _ => issuer.Mint("test-audience", ["things:read"]),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, HttpUrl("/secure")) { Content = new StringContent("{}") };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await _http.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(expected == HttpStatusCode.Forbidden ? """{"message":"Forbidden"}""" : """{"message":"Unauthorized"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheLocalIssuerServesDiscoveryKeysAndDevTokensThatTheAuthorizerAccepts()
    {
        var discovery = JsonDocument.Parse(await _http.GetStringAsync(HttpUrl("/_auth/.well-known/openid-configuration"))).RootElement;
        var keys = JsonDocument.Parse(await _http.GetStringAsync(discovery.GetProperty("jwks_uri").GetString())).RootElement;
        var devToken = JsonDocument.Parse(await _http.GetStringAsync(HttpUrl("/_auth/dev-token?scope=things:write"))).RootElement;
        using var request = new HttpRequestMessage(HttpMethod.Post, HttpUrl("/secure")) { Content = new StringContent("{}") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", devToken.GetProperty("accessToken").GetString());

        using var response = await _http.SendAsync(request);

        Assert.Equal(fixture.Http.Issuer.Issuer, discovery.GetProperty("issuer").GetString());
        Assert.Equal("RSA", keys.GetProperty("keys")[0].GetProperty("kty").GetString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task APreflightIsAnsweredByTheGatewayForAnAllowedOrigin()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, HttpUrl("/echo/1"));
        request.Headers.Add("Origin", "https://app.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");

        using var response = await _http.SendAsync(request);
        using var actual = new HttpRequestMessage(HttpMethod.Get, HttpUrl("/echo/1"));
        actual.Headers.Add("Origin", "https://app.example");
        using var actualResponse = await _http.SendAsync(actual);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("https://app.example", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("GET,POST", response.Headers.GetValues("Access-Control-Allow-Methods").Single());
        Assert.Equal("600", response.Headers.GetValues("Access-Control-Max-Age").Single());
        Assert.Equal("https://app.example", actualResponse.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task APreflightFromAnotherOriginGetsNoCorsHeaders()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, HttpUrl("/echo/1"));
        request.Headers.Add("Origin", "https://evil.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");

        using var response = await _http.SendAsync(request);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task ARestApiRequestBecomesAPayloadOneEventUnderItsStage()
    {
        var e = await RawHttp.GetJsonBodyAsync(fixture.Rest.Endpoint, "/prod/anything/here?a=1&a=2", "X-Multi: one", "X-Multi: two");

        Assert.Equal("/{proxy+}", e.GetProperty("resource").GetString());
        Assert.Equal("/anything/here", e.GetProperty("path").GetString());
        Assert.Equal("GET", e.GetProperty("httpMethod").GetString());
        Assert.Equal("2", e.GetProperty("queryStringParameters").GetProperty("a").GetString());
        Assert.Equal(["1", "2"], e.GetProperty("multiValueQueryStringParameters").GetProperty("a").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(["one", "two"], e.GetProperty("multiValueHeaders").GetProperty("X-Multi").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("anything/here", e.GetProperty("pathParameters").GetProperty("proxy").GetString());
        Assert.Equal("prod", e.GetProperty("requestContext").GetProperty("stage").GetString());
        Assert.Equal("/prod/anything/here", e.GetProperty("requestContext").GetProperty("path").GetString());
        Assert.Equal("127.0.0.1", e.GetProperty("requestContext").GetProperty("identity").GetProperty("sourceIp").GetString());
    }

    [Fact]
    public async Task ARestApiOutsideItsStageIsNotFoundAndAFunctionErrorIsBadGateway()
    {
        using var outside = await _http.GetAsync(new Uri(fixture.Rest.Endpoint, "other/anything"));
        using var failed = await _http.GetAsync(RestUrl("/behaviour/throw"));

        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Equal("""{"message":"Internal server error"}""", await failed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ARouteThatRequiresAnApiKeyIsForbiddenWithoutIt()
    {
        using var without = await _http.GetAsync(RestUrl("/keyed/1"));
        using var request = new HttpRequestMessage(HttpMethod.Get, RestUrl("/keyed/1"));
        request.Headers.Add("x-api-key", GatewayFixture.ApiKey);
        var with = await EchoedEventAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, without.StatusCode);
        Assert.Equal("""{"message":"Forbidden"}""", await without.Content.ReadAsStringAsync());
        Assert.Equal(GatewayFixture.ApiKey, with.GetProperty("requestContext").GetProperty("identity").GetProperty("apiKey").GetString());
    }

    [Fact]
    public async Task AClientThatHangsUpDoesNotCostTheFunctionItsEnvironment()
    {
        using (await _http.GetAsync(HttpUrl("/echo/warm"))) { }
        var environments = fixture.TestFunction.ProcessIds;
        using var impatient = new HttpClient { Timeout = TimeSpan.FromMilliseconds(500) };

        await Assert.ThrowsAsync<TaskCanceledException>(() => impatient.GetAsync(HttpUrl("/hang-up/slow")));
        while (fixture.TestFunction.ActiveInvocations > 0)
        {
            await Task.Delay(100);
        }
        using var next = await _http.GetAsync(HttpUrl("/echo/after"));

        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        // No environment was discarded: the one that served the abandoned request still serves.
        Assert.Subset(fixture.TestFunction.ProcessIds.ToHashSet(), environments.ToHashSet());
    }

    [Fact]
    public async Task ABurstOfParallelRequestsIsServedBySeveralEnvironments()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => _http.GetAsync(HttpUrl($"/echo/{i}"))));

        Assert.All(responses, response => Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests));
        Assert.True(responses.Count(response => response.StatusCode == HttpStatusCode.OK) >= 4);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }
}
