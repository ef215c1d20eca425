using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Functions.Hosting.Tests;

/// <summary>
/// A Lambda Runtime API on a loopback port: tests queue invocations and get back what the
/// function posted for each (a response or an error), and the init error if one was posted.
/// </summary>
public sealed class FakeLambdaRuntimeApi : IAsyncDisposable
{
    private const string Base = "/2018-06-01/runtime";
    private static readonly TimeSpan ResultTimeout = TimeSpan.FromSeconds(15);

    private readonly WebApplication _app;
    private readonly Channel<Invocation> _queue = Channel.CreateUnbounded<Invocation>();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<InvocationResult>> _pending = new();
    private readonly TaskCompletionSource<PostedError> _initError = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FakeLambdaRuntimeApi(WebApplication app) => _app = app;

    /// <summary>The <c>host:port</c> a function gets in <c>AWS_LAMBDA_RUNTIME_API</c>.</summary>
    public string RuntimeApi { get; private set; } = "";

    /// <summary>Completes when the function posts an init error.</summary>
    public Task<PostedError> InitError => _initError.Task;

    public static async Task<FakeLambdaRuntimeApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(1));
        var app = builder.Build();
        var fake = new FakeLambdaRuntimeApi(app);
        app.MapGet($"{Base}/invocation/next", fake.NextAsync);
        app.MapPost($"{Base}/invocation/{{requestId}}/response", fake.ResponseAsync);
        app.MapPost($"{Base}/invocation/{{requestId}}/error", fake.ErrorAsync);
        app.MapPost($"{Base}/init/error", fake.InitErrorAsync);
        await app.StartAsync();
        fake.RuntimeApi = new Uri(app.Urls.Single()).Authority;
        return fake;
    }

    /// <summary>Queues an invocation and waits for what the function posts back.</summary>
    public Task<InvocationResult> InvokeAsync(string payload, InvocationHeaders? headers = null) =>
        InvokeAsync(Encoding.UTF8.GetBytes(payload), headers);

    /// <inheritdoc cref="InvokeAsync(string, InvocationHeaders?)"/>
    public async Task<InvocationResult> InvokeAsync(byte[] payload, InvocationHeaders? headers = null)
    {
        headers ??= new InvocationHeaders();
        var result = new TaskCompletionSource<InvocationResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[headers.RequestId] = result;
        await _queue.Writer.WriteAsync(new Invocation(payload, headers));
        return await result.Task.WaitAsync(ResultTimeout);
    }

    /// <summary>Stops answering; a function waiting for its next invocation loses the connection. Safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_queue.Writer.TryComplete())
        {
            return;
        }
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task NextAsync(HttpContext context)
    {
        if (!await _queue.Reader.WaitToReadAsync(context.RequestAborted) || !_queue.Reader.TryRead(out var invocation))
        {
            context.Abort();
            return;
        }
        var headers = invocation.Headers;
        var response = context.Response.Headers;
        response["Lambda-Runtime-Aws-Request-Id"] = headers.RequestId;
        response["Lambda-Runtime-Deadline-Ms"] = headers.Deadline.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        response["Lambda-Runtime-Invoked-Function-Arn"] = headers.InvokedFunctionArn;
        if (headers.TraceId is not null)
        {
            response["Lambda-Runtime-Trace-Id"] = headers.TraceId;
        }
        if (headers.ClientContextJson is not null)
        {
            response["Lambda-Runtime-Client-Context"] = headers.ClientContextJson;
        }
        if (headers.CognitoIdentityJson is not null)
        {
            response["Lambda-Runtime-Cognito-Identity"] = headers.CognitoIdentityJson;
        }
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = invocation.Payload.Length;
        await context.Response.Body.WriteAsync(invocation.Payload);
    }

    private async Task<IResult> ResponseAsync(string requestId, HttpRequest request)
    {
        var body = await ReadBodyAsync(request);
        return Complete(requestId, new InvocationResult(body, null));
    }

    private async Task<IResult> ErrorAsync(string requestId, HttpRequest request)
    {
        var error = await ReadErrorAsync(request);
        return Complete(requestId, new InvocationResult(null, error));
    }

    private async Task<IResult> InitErrorAsync(HttpRequest request)
    {
        _initError.TrySetResult(await ReadErrorAsync(request));
        return TypedResults.Accepted((string?)null);
    }

    private IResult Complete(string requestId, InvocationResult result)
    {
        if (!_pending.TryRemove(requestId, out var pending))
        {
            return TypedResults.BadRequest();
        }
        pending.SetResult(result);
        return TypedResults.Accepted((string?)null);
    }

    private static async Task<PostedError> ReadErrorAsync(HttpRequest request)
    {
        var body = await ReadBodyAsync(request);
        using var json = JsonDocument.Parse(body);
        return new PostedError(
            request.Headers["Lambda-Runtime-Function-Error-Type"].ToString(),
            json.RootElement.GetProperty("errorType").GetString(),
            json.RootElement.GetProperty("errorMessage").GetString(),
            json.RootElement.GetProperty("stackTrace").EnumerateArray().Select(line => line.GetString() ?? "").ToList());
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        return body.ToArray();
    }

    private sealed record Invocation(byte[] Payload, InvocationHeaders Headers);
}

/// <summary>The headers the fake sends with an invocation.</summary>
public sealed record InvocationHeaders
{
    public string RequestId { get; init; } = Guid.NewGuid().ToString();

    public DateTimeOffset Deadline { get; init; } = DateTimeOffset.UtcNow.AddMinutes(1);

    public string InvokedFunctionArn { get; init; } = "arn:aws:lambda:us-east-1:123456789012:function:test-function";

    public string? TraceId { get; init; }

    public string? ClientContextJson { get; init; }

    public string? CognitoIdentityJson { get; init; }
}

/// <summary>What the function posted for one invocation: a response or an error.</summary>
public sealed record InvocationResult(byte[]? Response, PostedError? Error)
{
    public string ResponseText => Encoding.UTF8.GetString(Response ?? throw new InvalidOperationException($"The invocation failed: {Error}"));
}

/// <summary>An error the function posted: the error-type header and the body's fields.</summary>
public sealed record PostedError(string ErrorTypeHeader, string? ErrorType, string? ErrorMessage, IReadOnlyList<string> StackTrace);
