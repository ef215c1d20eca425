using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AppHost.Emulators.Lambda;

/// <summary>
/// The Lambda Runtime API of one execution environment, on its own loopback port
/// (<c>AWS_LAMBDA_RUNTIME_API</c>): it hands the function process one invocation at a time and
/// takes the invocation's response or error, and the error of a failed init. The environment's
/// <see cref="ExtensionsApi"/> is served on the same address.
/// </summary>
internal sealed class RuntimeApi(LambdaFunctionSettings settings, InvocationLog log, ExtensionsApi extensions) : IAsyncDisposable
{
    private const string Prefix = "/2018-06-01/runtime";

    private readonly Channel<PendingInvocation> _queue = Channel.CreateBounded<PendingInvocation>(1);
    private readonly TaskCompletionSource _firstPoll = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<LambdaErrorBody> _initError = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private WebApplication? _app;
    private PendingInvocation? _current;

    /// <summary>Completes when the runtime first asks for an invocation: the end of its init phase.</summary>
    public Task FirstPoll => _firstPoll.Task;

    /// <summary>Completes with the error the runtime reports when its init fails.</summary>
    public Task<LambdaErrorBody> InitError => _initError.Task;

    /// <summary>Starts serving on <paramref name="port"/> (0 picks one) and returns the <c>host:port</c> it listens on.</summary>
    public async Task<string> StartAsync(int port, CancellationToken cancellationToken)
    {
        _app = Build(port);
        await _app.StartAsync(cancellationToken);
        return $"127.0.0.1:{LoopbackHost.PortOf(_app)}";
    }

    /// <summary>Queues <paramref name="invocation"/> for the runtime's next poll; its result arrives through its completion.</summary>
    public async Task HandOutAsync(PendingInvocation invocation, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _current = invocation;
        }
        await _queue.Writer.WriteAsync(invocation, cancellationToken);
    }

    /// <summary>Forgets the invocation handed out: a result posted for it from now on is refused.</summary>
    public void EndInvocation()
    {
        lock (_gate)
        {
            _current = null;
        }
    }

    /// <summary>Hands out nothing more: a runtime polling now or later is told its environment is gone (410).</summary>
    public void CloseQueue() => _queue.Writer.TryComplete();

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await LoopbackHost.StopAsync(_app);
        }
    }

    private WebApplication Build(int port)
    {
        var app = LoopbackHost.CreateBuilder(port, LambdaLimits.SynchronousPayloadBytes + 1024).Build();
        app.MapGet(Prefix + "/invocation/next", NextInvocationAsync);
        app.MapPost(Prefix + "/invocation/{requestId}/response", PostResponseAsync);
        app.MapPost(Prefix + "/invocation/{requestId}/error", PostErrorAsync);
        app.MapPost(Prefix + "/init/error", PostInitErrorAsync);
        extensions.Map(app);
        return app;
    }

    private async Task NextInvocationAsync(HttpContext context)
    {
        _firstPoll.TrySetResult();
        PendingInvocation invocation;
        try
        {
            invocation = await _queue.Reader.ReadAsync(context.RequestAborted);
        }
        catch (Exception exception) when (exception is OperationCanceledException or ChannelClosedException)
        {
            context.Response.StatusCode = StatusCodes.Status410Gone;
            return;
        }
        var headers = context.Response.Headers;
        headers["Lambda-Runtime-Aws-Request-Id"] = invocation.RequestId;
        headers["Lambda-Runtime-Deadline-Ms"] = invocation.Deadline.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        headers["Lambda-Runtime-Invoked-Function-Arn"] = settings.Arn;
        headers["Lambda-Runtime-Trace-Id"] = invocation.Request.TraceId;
        if (invocation.Request.ClientContext is { } clientContext)
        {
            headers["Lambda-Runtime-Client-Context"] = clientContext;
        }
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = invocation.Request.Payload.Length;
        await context.Response.Body.WriteAsync(invocation.Request.Payload, context.RequestAborted);
    }

    private async Task<IResult> PostResponseAsync(string requestId, HttpContext context)
    {
        if (Current(requestId) is not { } invocation)
        {
            return UnknownRequest(requestId);
        }
        var body = await BoundedBody.ReadAsync(context.Request, LambdaLimits.SynchronousPayloadBytes);
        if (body is null)
        {
            invocation.Complete(InvocationStatus.FunctionError, InvocationResult.ErrorBody(
                "Function.ResponseSizeTooLarge",
                $"Response payload size exceeded maximum allowed payload size ({LambdaLimits.SynchronousPayloadBytes} bytes)."));
            return Results.Json(new LambdaErrorBody("RequestEntityTooLarge", "Response payload too large."), EmulatorJsonContext.Default.LambdaErrorBody, statusCode: 413);
        }
        invocation.Complete(InvocationStatus.Succeeded, body);
        return Results.Accepted();
    }

    private async Task<IResult> PostErrorAsync(string requestId, HttpContext context)
    {
        if (Current(requestId) is not { } invocation)
        {
            return UnknownRequest(requestId);
        }
        var body = await BoundedBody.ReadAsync(context.Request, LambdaLimits.SynchronousPayloadBytes) ?? InvocationResult.ErrorBody("Function.ResponseSizeTooLarge", "Error payload too large.");
        // The line Lambda's runtimes write for an error the handler raised, so the log tail shows it.
        log.Write($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ}\t{requestId}\tERROR\tInvoke Error\t{Encoding.UTF8.GetString(body)}");
        invocation.Complete(InvocationStatus.FunctionError, body);
        return Results.Accepted();
    }

    private async Task<IResult> PostInitErrorAsync(HttpRequest request)
    {
        var body = await BoundedBody.ReadAsync(request, LambdaLimits.SynchronousPayloadBytes) ?? [];
        var errorType = request.Headers["Lambda-Runtime-Function-Error-Type"].ToString();
        LambdaErrorBody error;
        try
        {
            error = JsonSerializer.Deserialize(body, EmulatorJsonContext.Default.LambdaErrorBody)
                ?? new LambdaErrorBody(errorType, "");
        }
        catch (JsonException)
        {
            error = new LambdaErrorBody(errorType.Length > 0 ? errorType : "Runtime.InitError", Encoding.UTF8.GetString(body));
        }
        _initError.TrySetResult(error);
        return Results.Accepted();
    }

    private PendingInvocation? Current(string requestId)
    {
        lock (_gate)
        {
            return _current?.RequestId == requestId ? _current : null;
        }
    }

    private static IResult UnknownRequest(string requestId) => Results.Json(
        new LambdaErrorBody("InvalidRequestID", $"No invocation {requestId} is in progress."),
        EmulatorJsonContext.Default.LambdaErrorBody,
        statusCode: StatusCodes.Status400BadRequest);
}
