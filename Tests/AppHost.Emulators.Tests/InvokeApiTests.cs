using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using AppHost.Emulators.Lambda;

namespace AppHost.Emulators.Tests;

/// <summary>One emulator with the test function, shared by the Invoke API tests.</summary>
public sealed class InvokeApiFixture : IAsyncLifetime
{
    public LambdaEmulator Emulator { get; private set; } = null!;

    public HttpClient Http { get; } = new();

    public async Task InitializeAsync() =>
        Emulator = await LambdaEmulator.StartAsync([new LambdaFunction(TestFunctions.Settings(reservedConcurrency: 2))], port: 0);

    public async Task DisposeAsync()
    {
        Http.Dispose();
        foreach (var function in Emulator.Functions)
        {
            await function.DisposeAsync();
        }
        await Emulator.DisposeAsync();
    }
}

public class InvokeApiTests(InvokeApiFixture fixture) : IClassFixture<InvokeApiFixture>
{
    private Uri Invocations(string name) => new(fixture.Emulator.Endpoint, $"2015-03-31/functions/{name}/invocations");

    private async Task<HttpResponseMessage> InvokeAsync(string name, string payload, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Invocations(name)) { Content = new StringContent(payload, Encoding.UTF8) };
        configure?.Invoke(request);
        return await fixture.Http.SendAsync(request);
    }

    [Fact]
    public async Task ARequestResponseInvocationReturnsTheFunctionsPayload()
    {
        using var response = await InvokeAsync("test-function", """{"hello":"lambda"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("$LATEST", response.Headers.GetValues("X-Amz-Executed-Version").Single());
        Assert.False(response.Headers.Contains("X-Amz-Function-Error"));
        Assert.Equal("""{"hello":"lambda"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AFunctionErrorIsFlaggedInAHeaderWithTheErrorBody()
    {
        using var response = await InvokeAsync("test-function", """{"action":"throw","message":"nope"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("nope", error.GetProperty("errorMessage").GetString());
    }

    [Fact]
    public async Task TheLogTailComesBase64EncodedWhenAskedFor()
    {
        using var response = await InvokeAsync("test-function", """{"action":"log","line":"hello from the function"}""",
            request => request.Headers.Add("X-Amz-Log-Type", "Tail"));

        var log = Encoding.UTF8.GetString(Convert.FromBase64String(response.Headers.GetValues("X-Amz-Log-Result").Single()));
        Assert.Contains("hello from the function", log, StringComparison.Ordinal);
        Assert.Contains("REPORT RequestId:", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownFunctionIsResourceNotFound()
    {
        using var response = await InvokeAsync("no-such-function", "{}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("ResourceNotFoundException", response.Headers.GetValues("X-Amzn-ErrorType").Single());
        Assert.Contains("Function not found", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FunctionsAreFoundByArnAndQualifier()
    {
        using var response = await InvokeAsync(Uri.EscapeDataString("arn:aws:lambda:us-east-1:000000000000:function:test-function:$LATEST"), """{"by":"arn"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task APayloadOverSixMegabytesIsTooLarge()
    {
        using var response = await InvokeAsync("test-function", $"\"{new string('x', LambdaLimits.SynchronousPayloadBytes)}\"");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("RequestEntityTooLargeException", response.Headers.GetValues("X-Amzn-ErrorType").Single());
    }

    [Fact]
    public async Task InvocationsBeyondTheConcurrencyLimitAreTooManyRequests()
    {
        var function = fixture.Emulator.Functions.Single();
        var busy = Enumerable.Range(0, 2).Select(_ => InvokeAsync("test-function", """{"action":"sleep","ms":3000}""")).ToList();
        while (function.ActiveInvocations < 2)
        {
            await Task.Delay(20);
        }

        using var throttled = await InvokeAsync("test-function", """{"action":"context"}""");
        foreach (var response in await Task.WhenAll(busy))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal("TooManyRequestsException", throttled.Headers.GetValues("X-Amzn-ErrorType").Single());
    }

    [Fact]
    public async Task AnEventInvocationIsAcceptedAndRunsInTheBackground()
    {
        var marker = Guid.NewGuid().ToString("N");
        var before = fixture.Emulator.Functions.Single().Counters.Invocations;

        using var response = await InvokeAsync("test-function", $$"""{"action":"log","line":"{{marker}}"}""",
            request => request.Headers.Add("X-Amz-Invocation-Type", "Event"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var deadline = Stopwatch.StartNew();
        while (fixture.Emulator.Functions.Single().Counters.Invocations == before && deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }
        Assert.True(fixture.Emulator.Functions.Single().Counters.Invocations > before);
    }

    [Fact]
    public async Task ADryRunIsNoContent()
    {
        using var response = await InvokeAsync("test-function", "{}", request => request.Headers.Add("X-Amz-Invocation-Type", "DryRun"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task TheAwsCliInvokesAFunction()
    {
        var output = Path.GetTempFileName();
        var input = Path.GetTempFileName();
        await File.WriteAllTextAsync(input, """{"from":"cli"}""");
        // fileb:// passes the payload as is in both major versions of the CLI.
        var (exitCode, stdout, stderr) = await AwsCli.RunAsync(
            "lambda", "invoke", "--endpoint-url", fixture.Emulator.Endpoint.ToString(), "--function-name", "test-function",
            "--payload", "fileb://" + input, "--log-type", "Tail", output);

        Assert.True(exitCode == 0, stderr);
        Assert.Equal("""{"from":"cli"}""", await File.ReadAllTextAsync(output));
        var summary = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(200, summary.GetProperty("StatusCode").GetInt32());
        Assert.Contains("REPORT RequestId:", Encoding.UTF8.GetString(Convert.FromBase64String(summary.GetProperty("LogResult").GetString()!)), StringComparison.Ordinal);
        File.Delete(output);
        File.Delete(input);
    }

    [Fact]
    public async Task TheAwsCliReportsAnUnknownFunction()
    {
        var (exitCode, _, stderr) = await AwsCli.RunAsync(
            "lambda", "invoke", "--endpoint-url", fixture.Emulator.Endpoint.ToString(), "--function-name", "missing-function", Path.GetTempFileName());

        Assert.NotEqual(0, exitCode);
        Assert.Contains("ResourceNotFoundException", stderr, StringComparison.Ordinal);
    }
}
