using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AppHost.Definition;
using AppHost.Emulators.ApiGateway;
using AppHost.Emulators.Lambda;
using AppHost.Emulators.TestTool;

namespace AppHost.Emulators.Tests;

/// <summary>The Lambda emulator with its test tool, an HTTP API in front of the test function for samples, and a temporary folder of saved requests.</summary>
public sealed class TestToolFixture : IAsyncLifetime
{
    public static readonly Uri Dashboard = new("http://127.0.0.1:18888/");

    public static HttpApiDefinition Api { get; } = new("tool-api", ApiKind.Http,
    [
        new("GET", "/things/{thingId}", "test-function"),
        new("POST", "/things", "test-function", RequiresJwt: true, Scopes: ["things:write"], ExampleBody: """{"name":"a thing"}"""),
    ],
    JwtAuthorizer: new JwtAuthorizerDefinition("tool-jwt", ["tool-audience"]));

    public string SavedDirectory { get; } = Path.Combine(Path.GetTempPath(), "test-tool-" + Guid.NewGuid().ToString("N"));

    public LambdaFunction Function { get; } = new(TestFunctions.Settings());

    public ApiGatewayEmulator Gateway { get; private set; } = null!;

    public LambdaEmulator Emulator { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Gateway = await ApiGatewayEmulator.StartAsync(Api, name => name == Function.Settings.Name ? Function : null, new ApiGatewayOptions { Port = 0 });
        var testTool = new LambdaTestTool(Gateway.SampleEvents, new SavedRequestStore(SavedDirectory), Dashboard);
        Emulator = await LambdaEmulator.StartAsync(() => [Function], port: 0, testTool.Map);
        Http = new HttpClient { BaseAddress = new Uri(Emulator.Endpoint, LambdaTestTool.ApiPath + "/") };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Emulator.DisposeAsync();
        await Gateway.DisposeAsync();
        await Function.DisposeAsync();
        if (Directory.Exists(SavedDirectory))
        {
            Directory.Delete(SavedDirectory, recursive: true);
        }
    }
}

public class TestToolTests(TestToolFixture fixture) : IClassFixture<TestToolFixture>
{
    private HttpClient Http => fixture.Http;

    private async Task<JsonObject> InvokeAsync(string json, string type = "RequestResponse")
    {
        using var response = await Http.PostAsync($"test-function/invoke?type={type}", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private static async Task<(string ErrorType, string Message)> AwsErrorAsync(HttpResponseMessage response)
    {
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("User", body.GetProperty("Type").GetString());
        return (response.Headers.GetValues("X-Amzn-ErrorType").Single(), body.GetProperty("message").GetString()!);
    }

    [Fact]
    public async Task ThePageIsServedAtTheRootBesideTheInvokeApi()
    {
        using var page = await new HttpClient().GetAsync(fixture.Emulator.Endpoint);
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<title>Lambda test tool</title>", html, StringComparison.Ordinal);
        Assert.Contains(LambdaTestTool.ApiPath, html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheFunctionsListNamesEachFunctionWithItsSettings()
    {
        var functions = JsonNode.Parse(await Http.GetStringAsync(""))!.AsArray();

        var function = Assert.Single(functions)!;
        Assert.Equal("test-function", function["name"]!.GetValue<string>());
        Assert.Equal(256, function["memoryMb"]!.GetValue<int>());
        Assert.Equal(10, function["timeoutSeconds"]!.GetValue<int>());
    }

    [Fact]
    public async Task EachRouteHasASampleInItsApisPayloadFormatAndPlainJsonComesLast()
    {
        var samples = JsonNode.Parse(await Http.GetStringAsync("test-function/samples"))!.AsArray();

        Assert.Equal(["get-things-thingid", "post-things", "hello-world"], samples.Select(sample => sample!["id"]!.GetValue<string>()));
        var get = samples[0]!;
        Assert.StartsWith("GET /things/{thingId}", get["title"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("2.0", get["event"]!["version"]!.GetValue<string>());
        Assert.Equal("/things/thing-1", get["event"]!["rawPath"]!.GetValue<string>());
        Assert.Equal("thing-1", get["event"]!["pathParameters"]!["thingId"]!.GetValue<string>());
        var post = samples[1]!["event"]!;
        Assert.Equal("""{"name":"a thing"}""", post["body"]!.GetValue<string>());
        var bearer = post["headers"]!["authorization"]!.GetValue<string>();
        Assert.Equal(TokenVerdict.Valid, fixture.Gateway.Issuer.Validate(bearer, ["tool-audience"], ["things:write"]).Verdict);
        Assert.Equal("things:write", post["requestContext"]!["authorizer"]!["jwt"]!["scopes"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task AnInvocationShowsTheUnpackedHttpResponseTheLogTailAndALinkToItsTrace()
    {
        var sample = JsonNode.Parse(await Http.GetStringAsync("test-function/samples"))!.AsArray()[0]!["event"]!;

        var view = await InvokeAsync(sample.ToJsonString());

        Assert.Equal("Succeeded", view["status"]!.GetValue<string>());
        Assert.Equal(200, view["response"]!["statusCode"]!.GetValue<int>());
        Assert.Equal("application/json", view["response"]!["headers"]!["content-type"]!.GetValue<string>());
        // The test function echoes the event as the body: shown parsed, not as an escaped string.
        Assert.Equal("/things/thing-1", view["response"]!["body"]!["rawPath"]!.GetValue<string>());
        var log = view["logTail"]!.GetValue<string>();
        Assert.Contains("START RequestId: " + view["requestId"], log, StringComparison.Ordinal);
        Assert.Contains("REPORT RequestId: " + view["requestId"], log, StringComparison.Ordinal);
        var traceId = view["traceId"]!.GetValue<string>();
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        Assert.Equal(new Uri(TestToolFixture.Dashboard, "traces/detail/" + traceId).ToString(), view["traceUrl"]!.GetValue<string>());
        Assert.True(view["durationMs"]!.GetValue<double>() > 0);
    }

    [Fact]
    public async Task AFunctionErrorShowsItsTypeMessageAndTheErrorInTheLogTail()
    {
        var view = await InvokeAsync("""{"action":"throw","message":"nope"}""");

        Assert.Equal("FunctionError", view["status"]!.GetValue<string>());
        Assert.Equal("System.InvalidOperationException", view["error"]!["errorType"]!.GetValue<string>());
        Assert.Equal("nope", view["error"]!["errorMessage"]!.GetValue<string>());
        Assert.Contains("ERROR\tInvoke Error\t", view["logTail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(view["response"]);
    }

    [Fact]
    public async Task BrokenJsonIsRefusedNamingItsLineAndColumnAndNothingIsInvoked()
    {
        var before = fixture.Function.Counters.Invocations;

        using var response = await Http.PostAsync("test-function/invoke", new StringContent("{\n  \"a\": ,\n}", Encoding.UTF8));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var (errorType, message) = await AwsErrorAsync(response);
        Assert.Equal("InvalidRequestContentException", errorType);
        Assert.Contains("line 2, column 8", message, StringComparison.Ordinal);
        Assert.Equal(before, fixture.Function.Counters.Invocations);
    }

    [Fact]
    public async Task APayloadOverSixMegabytesIsRefusedAsRequestEntityTooLarge()
    {
        var payload = JsonSerializer.Serialize(new string('x', LambdaLimits.SynchronousPayloadBytes));

        using var response = await Http.PostAsync("test-function/invoke", new StringContent(payload, Encoding.UTF8));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("RequestEntityTooLargeException", (await AwsErrorAsync(response)).ErrorType);
    }

    [Fact]
    public async Task AnUnknownFunctionOrInvocationTypeGetsAnAwsShapedError()
    {
        using var samples = await Http.GetAsync("no-such-function/samples");
        using var type = await Http.PostAsync("test-function/invoke?type=DryRun", new StringContent("{}", Encoding.UTF8));

        Assert.Equal(HttpStatusCode.NotFound, samples.StatusCode);
        Assert.Equal("ResourceNotFoundException", (await AwsErrorAsync(samples)).ErrorType);
        Assert.Equal(HttpStatusCode.BadRequest, type.StatusCode);
        Assert.Equal("InvalidParameterValueException", (await AwsErrorAsync(type)).ErrorType);
    }

    [Fact]
    public async Task AnEventInvocationIsQueuedAndTheHistoryListsInvocationsNewestFirst()
    {
        var marker = Guid.NewGuid().ToString("N");
        await InvokeAsync($$"""{"action":"log","line":"sync-{{marker}}"}""");

        var queued = await InvokeAsync($$"""{"action":"log","line":"async-{{marker}}"}""", type: "Event");

        Assert.Equal("Queued", queued["status"]!.GetValue<string>());
        Assert.Equal(202, queued["statusCode"]!.GetValue<int>());
        var history = JsonNode.Parse(await Http.GetStringAsync("test-function/history"))!.AsArray();
        Assert.Contains($"async-{marker}", history[0]!["event"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains($"sync-{marker}", history[1]!["event"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("Succeeded", history[1]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task ASavedRequestIsKeptOnDiskAndABrokenSaveNeverReplacesIt()
    {
        var name = "my request " + Guid.NewGuid().ToString("N")[..6];
        var path = $"test-function/requests/{Uri.EscapeDataString(name)}";

        using var saved = await Http.PutAsync(path, new StringContent("""{"action":"log","line":"saved"}""", Encoding.UTF8));
        using var broken = await Http.PutAsync(path, new StringContent("""{"action": "log",""", Encoding.UTF8));
        var list = JsonNode.Parse(await Http.GetStringAsync("test-function/requests"))!.AsArray();
        var read = JsonNode.Parse(await Http.GetStringAsync(path))!;

        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Contains(list, entry => entry!["name"]!.GetValue<string>() == name);
        Assert.Equal("""{"action":"log","line":"saved"}""", read["event"]!.GetValue<string>());
        var folder = Path.Combine(fixture.SavedDirectory, "test-function");
        Assert.Equal("""{"action":"log","line":"saved"}""", await File.ReadAllTextAsync(Path.Combine(folder, name + ".json")));
        Assert.DoesNotContain(Directory.GetFiles(folder), file => file.EndsWith(".tmp", StringComparison.Ordinal));

        using var deleted = await Http.DeleteAsync(path);
        using var gone = await Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("ResourceNotFoundException", (await AwsErrorAsync(gone)).ErrorType);
    }

    [Theory]
    [InlineData("..%2F..%2Fescape")]
    [InlineData(".hidden")]
    [InlineData("a%2Fb")]
    public async Task ASavedRequestNameThatIsNotAPlainNameIsRefused(string name)
    {
        using var response = await Http.PutAsync($"test-function/requests/{name}", new StringContent("{}", Encoding.UTF8));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("InvalidParameterValueException", (await AwsErrorAsync(response)).ErrorType);
        Assert.False(Directory.Exists(Path.Combine(fixture.SavedDirectory, "escape")));
    }
}
