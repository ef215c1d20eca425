using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AppHost.Emulators.Lambda;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AppHost.Emulators.TestTool;

/// <summary>
/// The Lambda test tool, served by the Lambda emulator beside its Invoke API: the page at <c>/</c> and
/// the JSON contract under <c>/_test-tool/functions</c> that the page and the dashboard's Invoke
/// command share — functions, their samples (from the app definition), saved requests, invocations
/// with their log tail and trace, and a history of recent invocations.
/// </summary>
/// <param name="samples">The app's own events for a function (API routes, stream batches, schedules).</param>
/// <param name="saved">Where saved requests live.</param>
/// <param name="dashboard">The Aspire dashboard, for links to an invocation's trace; null when it does not run.</param>
public sealed class LambdaTestTool(Func<string, IReadOnlyList<SampleEvent>> samples, SavedRequestStore saved, Uri? dashboard)
{
    public const string ApiPath = "/_test-tool/functions";
    private const int HistoryLength = 20;
    private const int HistoryEventBytes = 64 * 1024;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<JsonObject>> _history = new();

    /// <summary>The function's samples: the app's own events first, then plain JSON.</summary>
    public IReadOnlyList<SampleEvent> SamplesOf(string function) => [.. samples(function), SampleEvent.HelloWorld()];

    public SavedRequestStore Saved => saved;

    /// <summary>
    /// Invokes the function (RequestResponse) inside a client span and describes the outcome for people:
    /// status, timing, cold start, the payload (an API Gateway response unpacked into status code,
    /// headers and body), the error, the log tail and the trace. Recorded in the function's history.
    /// </summary>
    public async Task<JsonObject> InvokeAsync(LambdaFunction function, byte[] payload, CancellationToken cancellationToken)
    {
        var at = DateTimeOffset.UtcNow;
        var result = await EmulatorTelemetry.InvokeAsync(EmulatorTelemetry.Lambda, function, _ => new LambdaInvocationRequest(payload, LogTailRequested: true), cancellationToken);
        var view = Describe(function, result, at);
        Remember(function.Settings.Name, view, payload);
        return view;
    }

    /// <summary>Queues an Event invocation on the emulator, as Lambda's asynchronous invocations are; recorded in the history.</summary>
    private JsonObject Queue(LambdaEmulator emulator, LambdaFunction function, byte[] payload)
    {
        emulator.QueueEventInvocation(function, new LambdaInvocationRequest(payload));
        var view = new JsonObject
        {
            ["function"] = function.Settings.Name,
            ["invocationType"] = "Event",
            ["status"] = "Queued",
            ["statusCode"] = StatusCodes.Status202Accepted,
            ["at"] = DateTimeOffset.UtcNow,
            ["note"] = "Queued as Lambda's asynchronous invocations are; the outcome shows in the function's console.",
        };
        Remember(function.Settings.Name, view, payload);
        return view;
    }

    /// <summary>The function's recent invocations, newest first.</summary>
    public IReadOnlyList<JsonObject> HistoryOf(string function) =>
        _history.TryGetValue(function, out var entries) ? entries.Reverse().ToList() : [];

    /// <summary>Serves the test tool's page and its JSON contract on the emulator's app.</summary>
    public void Map(WebApplication app, LambdaEmulator emulator)
    {
        app.MapGet("/", () => Results.Stream(typeof(LambdaTestTool).Assembly.GetManifestResourceStream("TestTool.test-tool.html")!, "text/html; charset=utf-8"));
        var api = app.MapGroup(ApiPath);
        api.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (Exception failure) when (failure is not OperationCanceledException)
            {
                return Error(HttpStatusCode.InternalServerError, "ServiceException", $"The test tool failed: {failure.Message}");
            }
        });
        api.MapGet("", () => Results.Json(new JsonArray(emulator.Functions.Select(function => (JsonNode)new JsonObject
        {
            ["name"] = function.Settings.Name,
            ["arn"] = function.Settings.Arn,
            ["handler"] = function.Settings.Handler,
            ["memoryMb"] = function.Settings.MemoryMb,
            ["timeoutSeconds"] = (int)function.Settings.Timeout.TotalSeconds,
            ["environments"] = function.EnvironmentCount,
            ["activeInvocations"] = function.ActiveInvocations,
            ["waitingInvocations"] = function.WaitingInvocations,
            ["invocations"] = function.Counters.Invocations,
            ["coldStarts"] = function.Counters.ColdStarts,
            ["throttles"] = function.Counters.Throttles,
            ["errors"] = function.Counters.Errors,
        }).ToArray())));
        api.MapGet("{name}/samples", (string name) => WithFunction(emulator, name, function => Results.Json(new JsonArray(
            SamplesOf(function.Settings.Name).Select(sample => (JsonNode)new JsonObject
            {
                ["id"] = sample.Id,
                ["title"] = sample.Title,
                ["event"] = sample.Event.DeepClone(),
            }).ToArray()))));
        api.MapGet("{name}/history", (string name) => WithFunction(emulator, name, function => Results.Json(new JsonArray(
            HistoryOf(function.Settings.Name).Select(entry => entry.DeepClone()).ToArray()))));
        api.MapGet("{name}/requests", (string name) => WithFunction(emulator, name, function => Results.Json(new JsonArray(
            saved.List(function.Settings.Name).Select(request => (JsonNode)new JsonObject
            {
                ["name"] = request.Name,
                ["savedAt"] = request.SavedAt,
            }).ToArray()))));
        api.MapGet("{name}/requests/{request}", (string name, string request, CancellationToken cancellationToken) =>
            WithSavedRequest(emulator, name, request, async function =>
                await saved.GetAsync(function.Settings.Name, request, cancellationToken) is { } found
                    ? Results.Json(SavedView(found))
                    : NoSuchRequest(function, request)));
        api.MapPut("{name}/requests/{request}", (string name, string request, HttpRequest http) =>
            WithSavedRequest(emulator, name, request, async function =>
            {
                var body = await BoundedBody.ReadAsync(http, LambdaLimits.SynchronousPayloadBytes);
                if (body is null)
                {
                    return TooLarge(LambdaLimits.SynchronousPayloadBytes);
                }
                if (JsonError(body) is { } error)
                {
                    return Error(HttpStatusCode.BadRequest, "InvalidRequestContentException", $"Could not parse request body into json: {error}");
                }
                var stored = await saved.PutAsync(function.Settings.Name, request, Encoding.UTF8.GetString(body), http.HttpContext.RequestAborted);
                return Results.Json(SavedView(stored));
            }));
        api.MapDelete("{name}/requests/{request}", (string name, string request) =>
            WithSavedRequest(emulator, name, request, function => Task.FromResult(
                saved.Delete(function.Settings.Name, request) ? Results.NoContent() : (IResult)NoSuchRequest(function, request))));
        api.MapPost("{name}/invoke", (string name, HttpRequest http) => WithFunction(emulator, name, async function =>
        {
            var invocationType = http.Query["type"].ToString() is { Length: > 0 } type ? type : "RequestResponse";
            if (invocationType is not ("RequestResponse" or "Event"))
            {
                return Error(HttpStatusCode.BadRequest, "InvalidParameterValueException", $"Unsupported invocation type '{invocationType}'; use RequestResponse or Event.");
            }
            var asynchronous = invocationType == "Event";
            var limit = asynchronous ? LambdaLimits.AsynchronousPayloadBytes : LambdaLimits.SynchronousPayloadBytes;
            var payload = await BoundedBody.ReadAsync(http, limit);
            if (payload is null)
            {
                return TooLarge(limit);
            }
            if (JsonError(payload) is { } error)
            {
                return Error(HttpStatusCode.BadRequest, "InvalidRequestContentException", $"Could not parse request body into json: {error}");
            }
            // As in AWS, a caller that hangs up does not stop the invocation it started.
            return Results.Json(asynchronous ? Queue(emulator, function, payload) : await InvokeAsync(function, payload, CancellationToken.None));
        }));
    }

    /// <summary>Where a JSON text breaks, as people count (line and column from 1); null when it is JSON.</summary>
    public static string? JsonError(byte[] json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return null;
        }
        catch (JsonException failure)
        {
            var line = (failure.LineNumber ?? 0) + 1;
            var column = (failure.BytePositionInLine ?? 0) + 1;
            return string.Create(CultureInfo.InvariantCulture, $"line {line}, column {column}: {FirstSentence(failure.Message)}");
        }
    }

    private static string FirstSentence(string message)
    {
        foreach (var marker in new[] { " LineNumber:", " Path:" })
        {
            var end = message.IndexOf(marker, StringComparison.Ordinal);
            message = end > 0 ? message[..end] : message;
        }
        return message.TrimEnd('.', ' ') + ".";
    }

    private JsonObject Describe(LambdaFunction function, InvocationResult result, DateTimeOffset at)
    {
        var view = new JsonObject
        {
            ["function"] = function.Settings.Name,
            ["invocationType"] = "RequestResponse",
            ["status"] = result.Status.ToString(),
            ["statusCode"] = result.Status == InvocationStatus.Throttled ? StatusCodes.Status429TooManyRequests : StatusCodes.Status200OK,
            ["requestId"] = result.RequestId,
            ["at"] = at,
            ["coldStart"] = result.ColdStart,
            ["durationMs"] = Math.Round(result.Duration.TotalMilliseconds, 2),
            ["initDurationMs"] = result.InitDuration is { } init ? Math.Round(init.TotalMilliseconds, 2) : (double?)null,
            ["traceId"] = result.TraceId,
            ["traceUrl"] = result.TraceId is { } traceId && dashboard is not null ? new Uri(dashboard, $"traces/detail/{traceId}").ToString() : null,
        };
        var text = Encoding.UTF8.GetString(result.Payload);
        var payload = text.Length > 0 && JsonError(result.Payload) is null ? JsonNode.Parse(text) : null;
        view["payload"] = payload ?? (JsonNode?)text;
        if (result.Status == InvocationStatus.Throttled)
        {
            view["error"] = new JsonObject { ["errorType"] = "TooManyRequestsException", ["errorMessage"] = "Rate Exceeded. (the function's reserved concurrency is in use)" };
        }
        else if (result.Status == InvocationStatus.FunctionError)
        {
            view["error"] = new JsonObject
            {
                ["errorType"] = payload?["errorType"]?.GetValue<string>() ?? "Unhandled",
                ["errorMessage"] = payload?["errorMessage"]?.ToString() ?? text,
            };
        }
        else if (payload is JsonObject { } response && response["statusCode"] is JsonValue statusCode && statusCode.TryGetValue<int>(out var code))
        {
            view["response"] = ProxyResponseView(response, code);
        }
        view["logTail"] = result.LogTail;
        return view;
    }

    /// <summary>An API Gateway proxy response as an HTTP client would see it: status, headers, body (JSON parsed).</summary>
    private static JsonObject ProxyResponseView(JsonObject response, int statusCode)
    {
        var headers = new JsonObject();
        if (response["headers"] is JsonObject single)
        {
            foreach (var (name, value) in single)
            {
                headers[name] = value?.ToString();
            }
        }
        if (response["multiValueHeaders"] is JsonObject multi)
        {
            foreach (var (name, values) in multi)
            {
                headers[name] = values is JsonArray array ? string.Join(", ", array.Select(value => value?.ToString())) : values?.ToString();
            }
        }
        if (response["cookies"] is JsonArray cookies && cookies.Count > 0)
        {
            headers["set-cookie"] = string.Join("; ", cookies.Select(cookie => cookie?.ToString()));
        }
        var base64 = response["isBase64Encoded"] is JsonValue flag && flag.TryGetValue<bool>(out var encoded) && encoded;
        var body = response["body"]?.ToString() ?? "";
        JsonNode? shownBody = body;
        if (!base64 && body.Length > 0 && JsonError(Encoding.UTF8.GetBytes(body)) is null)
        {
            shownBody = JsonNode.Parse(body);
        }
        return new JsonObject
        {
            ["statusCode"] = statusCode,
            ["headers"] = headers,
            ["isBase64Encoded"] = base64,
            ["body"] = shownBody,
        };
    }

    private void Remember(string function, JsonObject view, byte[] payload)
    {
        var entry = (JsonObject)view.DeepClone();
        entry["event"] = payload.Length <= HistoryEventBytes ? Encoding.UTF8.GetString(payload) : null;
        var entries = _history.GetOrAdd(function, _ => new ConcurrentQueue<JsonObject>());
        entries.Enqueue(entry);
        while (entries.Count > HistoryLength && entries.TryDequeue(out _))
        {
        }
    }

    private static JsonObject SavedView(SavedRequest request) => new()
    {
        ["name"] = request.Name,
        ["savedAt"] = request.SavedAt,
        ["event"] = request.Event,
    };

    private static IResult WithFunction(LambdaEmulator emulator, string name, Func<LambdaFunction, IResult> respond) =>
        emulator.Find(name) is { } function ? respond(function) : NoSuchFunction(name);

    private static async Task<IResult> WithFunction(LambdaEmulator emulator, string name, Func<LambdaFunction, Task<IResult>> respond) =>
        emulator.Find(name) is { } function ? await respond(function) : NoSuchFunction(name);

    private static Task<IResult> WithSavedRequest(LambdaEmulator emulator, string name, string request, Func<LambdaFunction, Task<IResult>> respond) =>
        WithFunction(emulator, name, function => SavedRequestStore.IsValidName(request)
            ? respond(function)
            : Task.FromResult<IResult>(Error(HttpStatusCode.BadRequest, "InvalidParameterValueException", $"A saved request's name is {SavedRequestStore.NameRule}.")));

    private static AwsErrorResult NoSuchFunction(string name) => Error(HttpStatusCode.NotFound, "ResourceNotFoundException",
        $"Function not found: arn:aws:lambda:us-east-1:{LambdaLimits.AccountId}:function:{name}");

    private static AwsErrorResult NoSuchRequest(LambdaFunction function, string request) => Error(HttpStatusCode.NotFound, "ResourceNotFoundException",
        $"No saved request '{request}' for {function.Settings.Name}.");

    private static AwsErrorResult TooLarge(int limit) => Error(HttpStatusCode.RequestEntityTooLarge, "RequestEntityTooLargeException",
        $"Request must be smaller than {limit} bytes for the InvokeFunction operation");

    private static AwsErrorResult Error(HttpStatusCode status, string errorType, string message) => new(status, errorType, message);

    /// <summary>An error in the Lambda service's shape: <c>X-Amzn-ErrorType</c> and <c>{"Type","message"}</c>.</summary>
    private sealed class AwsErrorResult(HttpStatusCode status, string errorType, string message) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => LambdaEmulator.WriteErrorAsync(httpContext, status, errorType, message);
    }
}
