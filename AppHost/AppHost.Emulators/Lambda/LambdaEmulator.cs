using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AppHost.Emulators.Lambda;

/// <summary>
/// The Lambda service's Invoke API on loopback (<c>POST /2015-03-31/functions/{name}/invocations</c>),
/// speaking the same wire protocol as AWS so the AWS CLI and SDKs work against it. Also answers
/// <c>GET /2015-03-31/functions/</c> (ListFunctions).
/// </summary>
public sealed class LambdaEmulator : IAsyncDisposable
{
    /// <summary>The Invoke API's path prefix.</summary>
    public const string InvokePath = "/2015-03-31/functions";

    private readonly Func<IReadOnlyCollection<LambdaFunction>> _functions;
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<Task, byte> _eventInvocations = new();
    private readonly CancellationTokenSource _stopping = new();

    private LambdaEmulator(Func<IReadOnlyCollection<LambdaFunction>> functions, WebApplication app)
    {
        _functions = functions;
        _app = app;
    }

    /// <summary>The loopback URL to pass as <c>--endpoint-url</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The region of the functions it serves (the app's, from configuration).</summary>
    private string Region => _functions().Select(function => function.Settings.Region).FirstOrDefault() ?? LambdaFunctionSettings.DefaultRegion;

    /// <summary>The functions it serves now (the set may grow while functions start).</summary>
    public IReadOnlyCollection<LambdaFunction> Functions => _functions();

    /// <summary>Starts the Invoke API on <c>127.0.0.1:{port}</c> (0 picks a free port) for a fixed set of functions.</summary>
    public static Task<LambdaEmulator> StartAsync(IReadOnlyCollection<LambdaFunction> functions, int port, CancellationToken cancellationToken = default) =>
        StartAsync(() => functions, port, pages: null, cancellationToken);

    /// <summary>
    /// Starts the Invoke API on <c>127.0.0.1:{port}</c>; <paramref name="functions"/> is asked on every call.
    /// <paramref name="pages"/> maps what is served beside the Invoke API (the test tool's page and its JSON
    /// contract), given the app and the emulator.
    /// </summary>
    public static async Task<LambdaEmulator> StartAsync(
        Func<IReadOnlyCollection<LambdaFunction>> functions, int port, Action<WebApplication, LambdaEmulator>? pages = null, CancellationToken cancellationToken = default)
    {
        var app = LoopbackHost.CreateBuilder(port, maxRequestBodySize: null).Build();
        var emulator = new LambdaEmulator(functions, app);
        app.MapPost(InvokePath + "/{name}/invocations", emulator.InvokeAsync);
        app.MapGet(InvokePath, emulator.ListFunctions);
        pages?.Invoke(app, emulator);
        await app.StartAsync(cancellationToken);
        emulator.Endpoint = new Uri(app.Urls.Single());
        return emulator;
    }

    /// <summary>The function an Invoke API name denotes: a name, a partial ARN or a full ARN, with an optional qualifier.</summary>
    public LambdaFunction? Find(string nameOrArn)
    {
        var name = nameOrArn;
        var functionMarker = name.IndexOf("function:", StringComparison.Ordinal);
        if (functionMarker >= 0)
        {
            name = name[(functionMarker + "function:".Length)..];
        }
        var qualifier = name.IndexOf(':', StringComparison.Ordinal);
        if (qualifier >= 0)
        {
            name = name[..qualifier];
        }
        return _functions().FirstOrDefault(function => function.Settings.Name == name);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_eventInvocations.Keys).ContinueWith(_ => { }, TaskScheduler.Default);
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task InvokeAsync(string name, HttpContext context)
    {
        var function = Find(Uri.UnescapeDataString(name));
        if (function is null)
        {
            await WriteErrorAsync(context, HttpStatusCode.NotFound, "ResourceNotFoundException",
                $"Function not found: arn:aws:lambda:{Region}:{LambdaLimits.AccountId}:function:{name}");
            return;
        }
        var invocationType = context.Request.Headers["X-Amz-Invocation-Type"].ToString() is { Length: > 0 } type ? type : "RequestResponse";
        var limit = invocationType == "Event" ? LambdaLimits.AsynchronousPayloadBytes : LambdaLimits.SynchronousPayloadBytes;
        var payload = await BoundedBody.ReadAsync(context.Request, limit);
        if (payload is null)
        {
            await WriteErrorAsync(context, HttpStatusCode.RequestEntityTooLarge, "RequestEntityTooLargeException",
                $"Request must be smaller than {limit} bytes for the InvokeFunction operation");
            return;
        }
        var request = new LambdaInvocationRequest(
            payload.Length == 0 ? "{}"u8.ToArray() : payload,
            DecodeClientContext(context.Request.Headers["X-Amz-Client-Context"].ToString()),
            context.Request.Headers["X-Amzn-Trace-Id"].ToString() is { Length: > 0 } trace ? trace : null,
            LogTailRequested: context.Request.Headers["X-Amz-Log-Type"] == "Tail");

        switch (invocationType)
        {
            case "RequestResponse":
                // As in AWS, a caller that hangs up does not stop the invocation it started.
                await RespondAsync(context, await EmulatorTelemetry.InvokeAsync(EmulatorTelemetry.Lambda, function, _ => request, CancellationToken.None));
                break;
            case "Event":
                QueueEventInvocation(function, request);
                context.Response.StatusCode = StatusCodes.Status202Accepted;
                break;
            case "DryRun":
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                break;
            default:
                await WriteErrorAsync(context, HttpStatusCode.BadRequest, "InvalidParameterValueException",
                    $"Unsupported invocation type '{invocationType}'; use RequestResponse, Event or DryRun.");
                break;
        }
    }

    private static async Task RespondAsync(HttpContext context, InvocationResult result)
    {
        if (result.Status == InvocationStatus.Throttled)
        {
            await WriteErrorAsync(context, HttpStatusCode.TooManyRequests, "TooManyRequestsException",
                "Rate Exceeded.", reason: "ReservedFunctionConcurrentInvocationLimitExceeded");
            return;
        }
        var headers = context.Response.Headers;
        headers["X-Amz-Executed-Version"] = "$LATEST";
        headers["X-Amzn-RequestId"] = result.RequestId;
        if (result.Status == InvocationStatus.FunctionError)
        {
            headers["X-Amz-Function-Error"] = "Unhandled";
        }
        if (context.Request.Headers["X-Amz-Log-Type"] == "Tail")
        {
            headers["X-Amz-Log-Result"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(result.LogTail));
        }
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = result.Payload.Length;
        await context.Response.Body.WriteAsync(result.Payload, context.RequestAborted);
    }

    /// <summary>Runs an Event invocation in the background, waiting for capacity as Lambda's async queue does.</summary>
    internal void QueueEventInvocation(LambdaFunction function, LambdaInvocationRequest request)
    {
        var token = _stopping.Token;
        var invocation = Task.Run(async () =>
        {
            var delay = TimeSpan.FromMilliseconds(50);
            while (!token.IsCancellationRequested)
            {
                var result = await function.InvokeAsync(request, token);
                if (result.Status != InvocationStatus.Throttled)
                {
                    return;
                }
                await Task.Delay(delay, token);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
            }
        }, token);
        _eventInvocations[invocation] = 0;
        invocation.ContinueWith(done => _eventInvocations.TryRemove(done, out _), TaskScheduler.Default);
    }

    private FunctionList ListFunctions() => new(_functions().Select(function => new FunctionSummary(
        function.Settings.Name,
        function.Settings.Arn,
        "dotnet10",
        function.Settings.Handler,
        function.Settings.MemoryMb,
        (int)function.Settings.Timeout.TotalSeconds)).ToList());

    /// <summary>The Invoke API carries the client context base64-encoded; the Runtime API passes it as JSON.</summary>
    private static string? DecodeClientContext(string header)
    {
        if (header.Length == 0)
        {
            return null;
        }
        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(header));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    internal static Task WriteErrorAsync(HttpContext context, HttpStatusCode status, string errorType, string message, string? reason = null)
    {
        context.Response.StatusCode = (int)status;
        context.Response.Headers["X-Amzn-ErrorType"] = errorType;
        return context.Response.WriteAsJsonAsync(new ServiceError("User", message, reason), InvokeApiJsonContext.Default.ServiceError);
    }
}

internal sealed record ServiceError(
    [property: JsonPropertyName("Type")] string Type,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("Reason"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason);

internal sealed record FunctionList([property: JsonPropertyName("Functions")] IReadOnlyList<FunctionSummary> Functions);

internal sealed record FunctionSummary(
    [property: JsonPropertyName("FunctionName")] string FunctionName,
    [property: JsonPropertyName("FunctionArn")] string FunctionArn,
    [property: JsonPropertyName("Runtime")] string Runtime,
    [property: JsonPropertyName("Handler")] string Handler,
    [property: JsonPropertyName("MemorySize")] int MemorySize,
    [property: JsonPropertyName("Timeout")] int Timeout);

[JsonSerializable(typeof(ServiceError))]
[JsonSerializable(typeof(FunctionList))]
internal sealed partial class InvokeApiJsonContext : JsonSerializerContext;
