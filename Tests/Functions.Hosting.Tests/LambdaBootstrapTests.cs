using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Functions.Hosting.Tests;

/// <summary>The runtime client and loop against a fake Runtime API.</summary>
public sealed class LambdaBootstrapTests : IAsyncLifetime
{
    private static readonly LambdaRuntimeOptions Function = new()
    {
        FunctionName = "scores",
        FunctionVersion = "7",
        MemoryLimitInMB = 512,
        LogGroupName = "/aws/lambda/scores",
        LogStreamName = "2024/01/01/[7]abc",
    };

    private readonly CancellationTokenSource _stopping = new();
    private FakeLambdaRuntimeApi _runtime = null!;
    private LambdaRuntimeClient _client = null!;

    public async Task InitializeAsync()
    {
        _runtime = await FakeLambdaRuntimeApi.StartAsync();
        _client = new LambdaRuntimeClient(_runtime.RuntimeApi);
    }

    public async Task DisposeAsync()
    {
        await _stopping.CancelAsync();
        _client.Dispose();
        await _runtime.DisposeAsync();
        _stopping.Dispose();
    }

    [Fact]
    public async Task InvocationHeadersAndFunctionSettingsAreReadIntoTheContext()
    {
        var deadline = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds());
        var headers = new InvocationHeaders
        {
            RequestId = "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
            Deadline = deadline,
            InvokedFunctionArn = "arn:aws:lambda:eu-west-1:123456789012:function:scores:live",
            TraceId = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
            ClientContextJson = """{"client":{"app_title":"game"}}""",
            CognitoIdentityJson = """{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}""",
        };
        LambdaContext? seen = null;
        var remaining = TimeSpan.Zero;
        Run((payload, context, _) =>
        {
            seen = context;
            remaining = context.RemainingTime;
            return ValueTask.FromResult(payload);
        });

        await _runtime.InvokeAsync("{}", headers);

        Assert.NotNull(seen);
        Assert.Equal(headers.RequestId, seen.AwsRequestId);
        Assert.Equal(deadline, seen.Deadline);
        Assert.Equal(headers.InvokedFunctionArn, seen.InvokedFunctionArn);
        Assert.Equal(headers.TraceId, seen.TraceId);
        Assert.Equal(headers.ClientContextJson, seen.ClientContextJson);
        Assert.Equal(headers.CognitoIdentityJson, seen.CognitoIdentityJson);
        Assert.Equal("scores", seen.FunctionName);
        Assert.Equal("7", seen.FunctionVersion);
        Assert.Equal(512, seen.MemoryLimitInMB);
        Assert.Equal("/aws/lambda/scores", seen.LogGroupName);
        Assert.Equal("2024/01/01/[7]abc", seen.LogStreamName);
        Assert.InRange(remaining, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task HandlerResultIsPostedAsTheResponse()
    {
        Run((payload, _, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(payload.Span).ToUpperInvariant())));

        var result = await _runtime.InvokeAsync("""{"player":"ada"}""");

        Assert.Equal("""{"PLAYER":"ADA"}""", result.ResponseText);
    }

    [Fact]
    public async Task PayloadLargerThanTheInitialBufferArrivesWhole()
    {
        var payload = new byte[300_000];
        Random.Shared.NextBytes(payload);
        Run((received, _, _) => ValueTask.FromResult(received));

        var result = await _runtime.InvokeAsync(payload);

        Assert.Equal(payload, result.Response);
    }

    [Fact]
    public async Task ThrowingHandlerPostsTheErrorAndTheLoopGoesOn()
    {
        Run((payload, _, _) => payload.Length == 0
            ? throw new InvalidOperationException("The score is missing.")
            : ValueTask.FromResult(payload));

        var failed = await _runtime.InvokeAsync("");
        var next = await _runtime.InvokeAsync("ok");

        var error = Assert.IsType<PostedError>(failed.Error);
        Assert.Equal("System.InvalidOperationException", error.ErrorType);
        Assert.Equal("System.InvalidOperationException", error.ErrorTypeHeader);
        Assert.Equal("The score is missing.", error.ErrorMessage);
        Assert.Contains(error.StackTrace, line => line.Contains(nameof(ThrowingHandlerPostsTheErrorAndTheLoopGoesOn), StringComparison.Ordinal));
        Assert.Equal("ok", next.ResponseText);
    }

    [Theory]
    [InlineData(100, true)]
    [InlineData(60_000, false)]
    public async Task TokenFiresOnceTheDeadlineIsWithinTheLeadTime(int millisecondsToDeadline, bool cancelled)
    {
        Run((_, context, token) => ValueTask.FromResult<ReadOnlyMemory<byte>>(
            Encoding.UTF8.GetBytes($"{token.IsCancellationRequested}/{context.CancellationToken.IsCancellationRequested}")));

        var result = await _runtime.InvokeAsync("{}", new InvocationHeaders { Deadline = DateTimeOffset.UtcNow.AddMilliseconds(millisecondsToDeadline) });

        Assert.Equal($"{cancelled}/{cancelled}", result.ResponseText);
    }

    [Fact]
    public async Task InitErrorIsPostedWithTheRuntimeErrorType()
    {
        var startupFailure = CaptureThrown(() => throw new InvalidOperationException("The table name is missing."));

        await _client.SendInitErrorAsync(LambdaError.FromInitException(startupFailure), CancellationToken.None);

        var error = await _runtime.InitError.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("Runtime.InitError", error.ErrorType);
        Assert.Equal("Runtime.InitError", error.ErrorTypeHeader);
        Assert.Equal("System.InvalidOperationException: The table name is missing.", error.ErrorMessage);
        Assert.NotEmpty(error.StackTrace);
    }

    [Fact]
    public async Task CancellingTheLoopWhileItWaitsEndsItQuietly()
    {
        var loop = new LambdaBootstrap(_client, Function).RunAsync((payload, _, _) => ValueTask.FromResult(payload), _stopping.Token);

        await _stopping.CancelAsync();

        await loop.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(loop.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task UnreachableRuntimeApiEndsTheLoopWithTheError()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = new LambdaRuntimeClient($"127.0.0.1:{closedPort}");

        var failure = await Record.ExceptionAsync(() =>
            new LambdaBootstrap(client, Function).RunAsync((payload, _, _) => ValueTask.FromResult(payload), _stopping.Token));

        Assert.IsType<HttpRequestException>(failure);
    }

    private void Run(LambdaHandler handler) =>
        _ = new LambdaBootstrap(_client, Function).RunAsync(handler, _stopping.Token);

    private static Exception CaptureThrown(Action action) =>
        Record.Exception(action) ?? throw new InvalidOperationException("Nothing was thrown.");
}
