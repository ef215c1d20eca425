using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AppHost.Emulators.Lambda;

/// <summary>Why an environment's extensions receive <c>SHUTDOWN</c>, in Lambda's words.</summary>
public enum ShutdownReason
{
    /// <summary>The environment is recycled: idle, replaced by new code, or the app stops.</summary>
    Spindown,

    /// <summary>An invocation ran past the function's timeout.</summary>
    Timeout,

    /// <summary>The runtime or an extension crashed or reported an error.</summary>
    Failure,
}

/// <summary>
/// The Lambda Extensions API of one execution environment, served beside its Runtime API on the same
/// <c>AWS_LAMBDA_RUNTIME_API</c> address: extensions register for <c>INVOKE</c> and <c>SHUTDOWN</c>
/// during init, then take one event at a time from <c>event/next</c>; calling it again says they are
/// done with the last one. Registration closes when the init phase ends.
/// </summary>
internal sealed class ExtensionsApi(LambdaFunctionSettings settings, InvocationLog log)
{
    private const string Prefix = "/2020-01-01/extension";

    /// <summary>Lambda's limit on extensions per function.</summary>
    public const int MaxExtensions = 10;

    private readonly ConcurrentDictionary<string, RegisteredExtension> _registered = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<LambdaErrorBody> _error = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private HashSet<string> _external = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _allExternalRegistered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _registrationClosed;

    /// <summary>The extensions registered for <c>INVOKE</c>, fixed when registration closes.</summary>
    private RegisteredExtension[] _invokeTakers = [];

    /// <summary>Completes with the error an extension reports (<c>init/error</c>, <c>exit/error</c>).</summary>
    public Task<LambdaErrorBody> Error => _error.Task;

    /// <summary>
    /// True when an extension registered for <c>INVOKE</c> (known once registration closes): only then does an
    /// invocation wait for the extensions too. One registered for <c>SHUTDOWN</c> only waits in <c>event/next</c>
    /// throughout.
    /// </summary>
    public bool AnyTakesInvoke => _invokeTakers.Length > 0;

    /// <summary>The names of the extensions registered so far.</summary>
    public IEnumerable<string> RegisteredNames => _registered.Values.Select(extension => extension.Name);

    /// <summary>
    /// The names the environment's external extensions register with (their executables' file names);
    /// <see cref="AllExternalRegistered"/> completes once each has. Any other name registers an internal
    /// extension, one the runtime process runs.
    /// </summary>
    public void ExpectExternal(IReadOnlyCollection<string> names)
    {
        _external = names.ToHashSet(StringComparer.Ordinal);
        CheckAllExternalRegistered();
    }

    /// <summary>Completes once every expected external extension has registered.</summary>
    public Task AllExternalRegistered => _allExternalRegistered.Task;

    /// <summary>Completes once every registered extension waits in <c>event/next</c>: done with its last event.</summary>
    public Task AllWaitingAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_registered.Values.Select(extension => extension.Waiting)).WaitAsync(cancellationToken);

    /// <summary>The end of the init phase: no extension may register from now on.</summary>
    public void CloseRegistration()
    {
        lock (_gate)
        {
            _registrationClosed = true;
            _invokeTakers = [.. _registered.Values.Where(extension => extension.Takes("INVOKE"))];
        }
    }

    /// <summary>Gives each extension registered for <c>INVOKE</c> the invocation's event.</summary>
    public void Invoke(PendingInvocation invocation)
    {
        foreach (var extension in _invokeTakers)
        {
            extension.Send(new JsonObject
            {
                ["eventType"] = "INVOKE",
                ["deadlineMs"] = invocation.Deadline.ToUnixTimeMilliseconds(),
                ["requestId"] = invocation.RequestId,
                ["invokedFunctionArn"] = settings.Arn,
                ["tracing"] = new JsonObject { ["type"] = "X-Amzn-Trace-Id", ["value"] = invocation.Request.TraceId },
            });
        }
    }

    /// <summary>
    /// Gives each extension registered for <c>SHUTDOWN</c> the event with <paramref name="reason"/> and
    /// <paramref name="deadline"/>, and waits until each is done (calls <c>event/next</c> again, or its
    /// process ends: <paramref name="exited"/>) or the deadline passes. Returns the names of those that
    /// did not finish in time.
    /// </summary>
    public async Task<IReadOnlyList<string>> ShutDownAsync(ShutdownReason reason, DateTimeOffset deadline, Func<string, Task> exited)
    {
        var taking = _registered.Values.Where(extension => extension.Takes("SHUTDOWN")).ToList();
        foreach (var extension in taking)
        {
            extension.Send(new JsonObject
            {
                ["eventType"] = "SHUTDOWN",
                ["shutdownReason"] = reason.ToString().ToLowerInvariant(),
                ["deadlineMs"] = deadline.ToUnixTimeMilliseconds(),
            });
        }
        var left = deadline - DateTimeOffset.UtcNow;
        var finished = taking.Select(extension => Task.WhenAny(extension.Waiting, exited(extension.Name))).ToList();
        await Task.WhenAny(Task.WhenAll(finished), Task.Delay(left > TimeSpan.Zero ? left : TimeSpan.Zero));
        foreach (var extension in _registered.Values)
        {
            extension.Close();
        }
        return taking.Where((_, index) => !finished[index].IsCompleted).Select(extension => extension.Name).ToList();
    }

    /// <summary>Maps the Extensions API's endpoints onto the environment's Runtime API host.</summary>
    public void Map(WebApplication app)
    {
        app.MapPost(Prefix + "/register", (Func<HttpContext, Task<IResult>>)RegisterAsync);
        app.MapGet(Prefix + "/event/next", NextEventAsync);
        app.MapPost(Prefix + "/init/error", context => ReportErrorAsync(context, "init"));
        app.MapPost(Prefix + "/exit/error", context => ReportErrorAsync(context, "exit"));
    }

    private async Task<IResult> RegisterAsync(HttpContext context)
    {
        var name = context.Request.Headers["Lambda-Extension-Name"].ToString();
        if (name.Length == 0)
        {
            return Failure(400, "Extension.InvalidExtensionName", "Lambda-Extension-Name is required: the extension's executable file name.");
        }
        string[] events;
        try
        {
            var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            events = body?["events"]?.AsArray().Select(item => item!.GetValue<string>()).ToArray()
                ?? throw new JsonException("events is missing");
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or FormatException)
        {
            return Failure(400, "InvalidRequestFormat", "The body must be {\"events\": [\"INVOKE\", \"SHUTDOWN\"]} (either or both).");
        }
        var external = _external.Contains(name);
        if (events.FirstOrDefault(item => item is not ("INVOKE" or "SHUTDOWN") || (item == "SHUTDOWN" && !external)) is { } invalid)
        {
            return Failure(400, "Extension.InvalidEventType", invalid == "SHUTDOWN"
                ? $"'{name}' is an internal extension (no executable of that name in /opt/extensions): only external extensions receive SHUTDOWN."
                : $"Unknown event type '{invalid}': INVOKE or SHUTDOWN.");
        }
        var extension = new RegisteredExtension(name, events.Distinct(StringComparer.Ordinal).ToList());
        lock (_gate)
        {
            if (_registrationClosed)
            {
                return Failure(403, "Extension.RegistrationClosed", "Extensions register during the init phase only.");
            }
            if (_registered.Values.Any(other => other.Name == name))
            {
                return Failure(400, "Extension.InvalidExtensionName", $"An extension named '{name}' is already registered.");
            }
            if (_registered.Count >= MaxExtensions)
            {
                return Failure(400, "Extension.TooManyExtensions", $"A function may have at most {MaxExtensions} extensions.");
            }
            _registered[extension.Id] = extension;
        }
        log.Write($"EXTENSION\tName: {name}\tState: Registered\tEvents: [{string.Join(",", extension.Events)}]");
        CheckAllExternalRegistered();
        context.Response.Headers["Lambda-Extension-Identifier"] = extension.Id;
        var answer = new JsonObject
        {
            ["functionName"] = settings.Name,
            ["functionVersion"] = "$LATEST",
            ["handler"] = settings.Handler,
        };
        if (context.Request.Headers["Lambda-Extension-Accept-Feature"].ToString().Split(',').Any(feature => feature.Trim() == "accountId"))
        {
            answer["accountId"] = LambdaLimits.AccountId;
        }
        return Results.Json(answer);
    }

    private async Task NextEventAsync(HttpContext context)
    {
        if (Identify(context, out var failure) is not { } extension)
        {
            await failure!.ExecuteAsync(context);
            return;
        }
        JsonObject next;
        try
        {
            next = await extension.NextAsync(context.RequestAborted);
        }
        catch (Exception exception) when (exception is OperationCanceledException or ChannelClosedException)
        {
            context.Response.StatusCode = StatusCodes.Status410Gone;
            return;
        }
        context.Response.Headers["Lambda-Extension-Event-Identifier"] = Guid.NewGuid().ToString();
        await Results.Json(next).ExecuteAsync(context);
    }

    private async Task ReportErrorAsync(HttpContext context, string phase)
    {
        if (Identify(context, out var failure) is not { } extension)
        {
            await failure!.ExecuteAsync(context);
            return;
        }
        var errorType = context.Request.Headers["Lambda-Extension-Function-Error-Type"].ToString();
        if (errorType.Length == 0)
        {
            await Failure(400, "Extension.MissingHeader", "Lambda-Extension-Function-Error-Type is required (e.g. Extension.ConfigInvalid).").ExecuteAsync(context);
            return;
        }
        var message = "";
        try
        {
            message = (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))?["errorMessage"]?.GetValue<string>() ?? "";
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            // The error type alone says what failed; a body is optional.
        }
        log.Write($"EXTENSION\tName: {extension.Name}\tState: {(phase == "init" ? "InitError" : "ExitError")}\tError Type: {errorType}\t{message}");
        _error.TrySetResult(new LambdaErrorBody(errorType, $"Extension {extension.Name} reported an {phase} error: {message}".TrimEnd(' ', ':')));
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        await context.Response.WriteAsync("{\"status\":\"OK\"}", context.RequestAborted);
    }

    private RegisteredExtension? Identify(HttpContext context, out IResult? failure)
    {
        var id = context.Request.Headers["Lambda-Extension-Identifier"].ToString();
        if (id.Length == 0)
        {
            failure = Failure(403, "Extension.MissingExtensionIdentifier", "Lambda-Extension-Identifier is required: the identifier register returned.");
            return null;
        }
        failure = _registered.TryGetValue(id, out var extension) ? null : Failure(403, "Extension.UnknownExtensionIdentifier", "Unknown extension " + id);
        return extension;
    }

    private void CheckAllExternalRegistered()
    {
        if (_external.All(name => _registered.Values.Any(extension => extension.Name == name)))
        {
            _allExternalRegistered.TrySetResult();
        }
    }

    private static IResult Failure(int status, string errorType, string message) =>
        Results.Json(new LambdaErrorBody(errorType, message), EmulatorJsonContext.Default.LambdaErrorBody, statusCode: status);

    /// <summary>One registered extension: its events waiting to be taken, and whether it waits for the next.</summary>
    private sealed class RegisteredExtension(string name, IReadOnlyList<string> events)
    {
        private readonly Channel<JsonObject> _events = Channel.CreateUnbounded<JsonObject>();

        /// <summary>Keeps an event sent and the extension's call for the next apart: a call that found nothing must not complete the wait of an event sent meanwhile.</summary>
        private readonly Lock _gate = new();
        private TaskCompletionSource _waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Id { get; } = Guid.NewGuid().ToString();

        public string Name { get; } = name;

        public IReadOnlyList<string> Events { get; } = events;

        /// <summary>Completes when the extension calls <c>event/next</c> with nothing left to take.</summary>
        public Task Waiting
        {
            get
            {
                lock (_gate)
                {
                    return _waiting.Task;
                }
            }
        }

        public bool Takes(string eventType) => Events.Contains(eventType);

        public void Send(JsonObject next)
        {
            lock (_gate)
            {
                _waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _events.Writer.TryWrite(next);
            }
        }

        public async Task<JsonObject> NextAsync(CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                if (!_events.Reader.TryPeek(out _))
                {
                    _waiting.TrySetResult();
                }
            }
            return await _events.Reader.ReadAsync(cancellationToken);
        }

        public void Close()
        {
            lock (_gate)
            {
                _waiting.TrySetResult();
                _events.Writer.TryComplete();
            }
        }
    }
}
