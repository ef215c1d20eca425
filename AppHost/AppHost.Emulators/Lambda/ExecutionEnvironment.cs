using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using AppHost.Emulators.Processes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace AppHost.Emulators.Lambda;

/// <summary>
/// One Lambda execution environment: a function process and the Runtime API it polls, served on its
/// own loopback port (<c>AWS_LAMBDA_RUNTIME_API</c>). It runs one invocation at a time. After a
/// timeout or a crash it is dead and its owner replaces it.
/// </summary>
internal sealed class ExecutionEnvironment : IAsyncDisposable
{
    private const string RuntimeApiPrefix = "/2018-06-01/runtime";
    private static readonly TimeSpan MemoryReadInterval = TimeSpan.FromSeconds(1);

    /// <summary>The longest an invocation whose caller asked for the log tail waits for late output (see <see cref="IFunctionProcess.OutputDelay"/>).</summary>
    private static readonly TimeSpan LateOutputWaitLimit = TimeSpan.FromSeconds(2);

    private readonly LambdaFunctionSettings _settings;
    private readonly Action<string> _log;
    private readonly Channel<PendingInvocation> _queue = Channel.CreateBounded<PendingInvocation>(1);
    private readonly TaskCompletionSource _firstPoll = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<LambdaErrorBody> _initError = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _logGate = new();
    private WebApplication? _runtimeApi;
    private IFunctionProcess? _process;
    private PendingInvocation? _current;
    private StringBuilder? _invocationLog;
    private DateTimeOffset _invocationStartedAt;
    private long _lastOutputAt;
    private TimeSpan? _pendingInitDuration;
    private long _memoryReadAt;
    private long _maxMemoryUsedMb;

    private ExecutionEnvironment(LambdaFunctionSettings settings, Action<string> log)
    {
        _settings = settings;
        _log = log;
        LogStreamName = LambdaFunctionSettings.NewLogStreamName();
    }

    public string LogStreamName { get; }

    /// <summary>True once the environment can no longer serve invocations (timed out, crashed, stopped).</summary>
    public bool IsDead { get; private set; }

    /// <summary>The function process's id, once known.</summary>
    public int? ProcessId => _process?.ProcessId;

    /// <summary>Completes with the exit code when the function process exits.</summary>
    public Task<int> Exited => _process!.Exited;

    /// <summary>
    /// Starts the Runtime API and the function process and waits for the init phase to end (the
    /// runtime's first poll for an invocation). Throws <see cref="FunctionInitException"/> on failure.
    /// </summary>
    public static async Task<ExecutionEnvironment> StartAsync(
        LambdaFunctionSettings settings, ChildProcessSpec command, Action<string> log, CancellationToken cancellationToken, bool provisioned = false)
    {
        var environment = new ExecutionEnvironment(settings, log);
        try
        {
            var address = await environment.StartRuntimeApiAsync(0, cancellationToken);
            environment._process = ChildProcess.Start(
                command with { Environment = settings.LambdaVariables(environment.LogStreamName, address, command.Environment, provisioned) }, environment.OnOutput);
            await environment.WaitForInitAsync(settings.InitTimeout, cancellationToken);
            if (provisioned)
            {
                // As in Lambda, a provisioned environment's first invocation is warm and reports no init.
                environment._pendingInitDuration = null;
            }
            return environment;
        }
        catch
        {
            await environment.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Serves the Runtime API on <paramref name="port"/> for a function process someone else launches
    /// (the AppHost's orchestrator, an IDE's debugger) with <c>AWS_LAMBDA_RUNTIME_API</c> pointing
    /// there, and waits for its init phase to end. Throws <see cref="FunctionInitException"/> on failure.
    /// </summary>
    /// <remarks>
    /// <paramref name="onListening"/> receives the Runtime API's <c>host:port</c> (port 0 picks one)
    /// once it listens; only then is <paramref name="launch"/> asked for the process. The launcher
    /// shows the process's output itself and passes each line on, with the time it was written, to
    /// the callback it is given: the line joins the log tail of the invocation it was written in.
    /// </remarks>
    public static async Task<ExecutionEnvironment> AttachAsync(
        LambdaFunctionSettings settings,
        int port,
        Func<Action<DateTimeOffset, string>, CancellationToken, Task<IFunctionProcess>> launch,
        Action<string> onListening,
        Action<string> log,
        CancellationToken cancellationToken)
    {
        var environment = new ExecutionEnvironment(settings, log);
        try
        {
            onListening(await environment.StartRuntimeApiAsync(port, cancellationToken));
            environment._process = await launch(environment.OnOutputShownByLauncher, cancellationToken);
            await environment.WaitForInitAsync(settings.AttachedInitTimeout, cancellationToken);
            return environment;
        }
        catch
        {
            await environment.DisposeAsync();
            throw;
        }
    }

    private async Task<string> StartRuntimeApiAsync(int port, CancellationToken cancellationToken)
    {
        _runtimeApi = BuildRuntimeApi(port);
        await _runtimeApi.StartAsync(cancellationToken);
        var address = new Uri(_runtimeApi.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
        return $"127.0.0.1:{address.Port}";
    }

    private async Task WaitForInitAsync(TimeSpan initTimeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var timeout = Task.Delay(initTimeout, cancellationToken);
        var ended = await Task.WhenAny(_firstPoll.Task, _initError.Task, _process!.Exited, timeout);
        if (ended == _firstPoll.Task)
        {
            _pendingInitDuration = started.Elapsed;
            return;
        }
        IsDead = true;
        var (errorType, message) = ended == _initError.Task
            ? ("Runtime.InitError", $"{_initError.Task.Result.ErrorType}: {_initError.Task.Result.ErrorMessage}")
            : ended == _process.Exited
                ? ("Runtime.ExitError", $"Runtime exited during init with exit status {_process.Exited.Result}")
                : ("Runtime.InitError", $"Init phase timed out after {initTimeout.TotalSeconds:0.00} seconds");
        cancellationToken.ThrowIfCancellationRequested();
        var lastLines = string.Join('\n', _process.LastOutput(20));
        throw new FunctionInitException(errorType, message, lastLines);
    }

    /// <summary>Runs one invocation to its end: response, function error, timeout or crash.</summary>
    public async Task<InvocationResult> InvokeAsync(LambdaInvocationRequest request, CancellationToken cancellationToken)
    {
        var requestId = Guid.NewGuid().ToString();
        var coldStart = _pendingInitDuration is not null;
        var initDuration = _pendingInitDuration;
        _pendingInitDuration = null;
        var deadline = DateTimeOffset.UtcNow + _settings.Timeout;
        var pending = new PendingInvocation(requestId, request with { TraceId = request.TraceId ?? TraceHeaderOf(Activity.Current) ?? NewTraceId() }, deadline);
        lock (_logGate)
        {
            _invocationLog = new StringBuilder();
            _invocationStartedAt = DateTimeOffset.UtcNow;
            _current = pending;
        }
        WriteLog($"START RequestId: {requestId} Version: $LATEST");
        var clock = Stopwatch.StartNew();
        await _queue.Writer.WriteAsync(pending, cancellationToken);

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timeout = Task.Delay(_settings.Timeout, timer.Token);
        var ended = await Task.WhenAny(pending.Completion.Task, _process!.Exited, timeout);
        await timer.CancelAsync();
        var duration = clock.Elapsed;
        var (status, payload) = (InvocationStatus.Succeeded, Array.Empty<byte>());
        if (ended == pending.Completion.Task)
        {
            (status, payload) = pending.Completion.Task.Result;
        }
        else if (ended == _process.Exited)
        {
            IsDead = true;
            var message = $"RequestId: {requestId} Error: Runtime exited with error: exit status {_process.Exited.Result}";
            WriteLog(message);
            (status, payload) = (InvocationStatus.FunctionError, InvocationResult.ErrorBody("Runtime.ExitError", message));
        }
        else
        {
            cancellationToken.ThrowIfCancellationRequested();
            IsDead = true;
            var message = $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {requestId} Task timed out after {_settings.Timeout.TotalSeconds:0.00} seconds";
            WriteLog(message);
            (status, payload) = (InvocationStatus.FunctionError, InvocationResult.ErrorBody("Sandbox.Timedout", message));
        }

        if (request.LogTailRequested)
        {
            await WaitForLateOutputAsync();
        }
        WriteLog($"END RequestId: {requestId}");
        var report = new StringBuilder().Append(CultureInfo.InvariantCulture, $"REPORT RequestId: {requestId}\tDuration: {duration.TotalMilliseconds:0.00} ms\t")
            .Append(CultureInfo.InvariantCulture, $"Billed Duration: {Math.Ceiling(duration.TotalMilliseconds + (initDuration?.TotalMilliseconds ?? 0)):0} ms\t")
            .Append(CultureInfo.InvariantCulture, $"Memory Size: {_settings.MemoryMb} MB\tMax Memory Used: {MaxMemoryUsedMb()} MB");
        if (initDuration is { } init)
        {
            report.Append(CultureInfo.InvariantCulture, $"\tInit Duration: {init.TotalMilliseconds:0.00} ms");
        }
        WriteLog(report.ToString());

        string logTail;
        lock (_logGate)
        {
            logTail = _invocationLog!.ToString();
            _invocationLog = null;
            _current = null;
        }
        if (IsDead)
        {
            await StopProcessAsync();
        }
        return new InvocationResult(requestId, status, payload, TailOf(logTail), coldStart, duration)
        {
            InitDuration = initDuration,
            TraceHeader = pending.Request.TraceId,
        };
    }

    public async ValueTask DisposeAsync()
    {
        IsDead = true;
        await StopProcessAsync();
        if (_runtimeApi is not null)
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await _runtimeApi.StopAsync(stopping.Token);
            await _runtimeApi.DisposeAsync();
        }
    }

    /// <summary>
    /// Stops the function process first (SIGTERM: its host shuts down and stops polling), then closes
    /// the invocation queue, so a healthy runtime never sees its Runtime API go away under it.
    /// </summary>
    private async Task StopProcessAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
        _queue.Writer.TryComplete();
    }

    /// <summary>A line the function process wrote: part of the invocation's log tail and the function's console.</summary>
    internal void OnOutput(string line) => WriteLog(line);

    /// <summary>
    /// A line the function process wrote at <paramref name="writtenAt"/>, which its launcher already
    /// shows on the function's console: part of the log tail of the invocation it was written in.
    /// A line written before the invocation started is an earlier invocation's, arriving late.
    /// </summary>
    private void OnOutputShownByLauncher(DateTimeOffset writtenAt, string line)
    {
        lock (_logGate)
        {
            if (_invocationLog is not null && writtenAt >= _invocationStartedAt)
            {
                _invocationLog.Append(line).Append('\n');
                _lastOutputAt = Stopwatch.GetTimestamp();
            }
        }
    }

    /// <summary>
    /// Lines the process wrote during the invocation may reach the environment up to
    /// <see cref="IFunctionProcess.OutputDelay"/> after it ended: waits until none has arrived for
    /// that long (or <see cref="LateOutputWaitLimit"/> has passed), so the log tail holds them.
    /// </summary>
    private async Task WaitForLateOutputAsync()
    {
        var delay = _process!.OutputDelay;
        if (delay <= TimeSpan.Zero)
        {
            return;
        }
        var ended = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(ended) < LateOutputWaitLimit)
        {
            long lastOutputAt;
            lock (_logGate)
            {
                lastOutputAt = _lastOutputAt;
            }
            var quietFor = Stopwatch.GetElapsedTime(Math.Max(ended, lastOutputAt));
            if (quietFor >= delay)
            {
                return;
            }
            await Task.Delay(delay - quietFor);
        }
    }

    private void WriteLog(string line)
    {
        lock (_logGate)
        {
            _invocationLog?.Append(line).Append('\n');
        }
        _log(line);
    }

    private static string TailOf(string log)
    {
        var bytes = Encoding.UTF8.GetBytes(log);
        return bytes.Length <= LambdaLimits.LogTailBytes
            ? log
            : Encoding.UTF8.GetString(bytes, bytes.Length - LambdaLimits.LogTailBytes, LambdaLimits.LogTailBytes);
    }

    /// <summary>
    /// The function process's peak resident memory (VmHWM), where /proc tells it. Reading /proc costs
    /// more than a small invocation, so under load it is read at most once per <see cref="MemoryReadInterval"/>.
    /// </summary>
    private long MaxMemoryUsedMb()
    {
        if (ProcessId is not { } processId)
        {
            return 0;
        }
        if (_memoryReadAt != 0 && Stopwatch.GetElapsedTime(_memoryReadAt) < MemoryReadInterval)
        {
            return _maxMemoryUsedMb;
        }
        _memoryReadAt = Stopwatch.GetTimestamp();
        try
        {
            var line = File.ReadLines($"/proc/{processId}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            var kilobytes = line is null ? 0 : long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            _maxMemoryUsedMb = kilobytes / 1024;
        }
        catch (IOException)
        {
            // The process has just exited: the last value read stands.
        }
        return _maxMemoryUsedMb;
    }

    private WebApplication BuildRuntimeApi(int port)
    {
        var app = LoopbackHost.CreateBuilder(port, LambdaLimits.SynchronousPayloadBytes + 1024).Build();
        app.MapGet(RuntimeApiPrefix + "/invocation/next", NextInvocationAsync);
        app.MapPost(RuntimeApiPrefix + "/invocation/{requestId}/response", PostResponseAsync);
        app.MapPost(RuntimeApiPrefix + "/invocation/{requestId}/error", PostErrorAsync);
        app.MapPost(RuntimeApiPrefix + "/init/error", PostInitErrorAsync);
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
        headers["Lambda-Runtime-Invoked-Function-Arn"] = _settings.Arn;
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
        WriteLog($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ}\t{requestId}\tERROR\tInvoke Error\t{Encoding.UTF8.GetString(body)}");
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
            error = System.Text.Json.JsonSerializer.Deserialize(body, EmulatorJsonContext.Default.LambdaErrorBody)
                ?? new LambdaErrorBody(errorType, "");
        }
        catch (System.Text.Json.JsonException)
        {
            error = new LambdaErrorBody(errorType.Length > 0 ? errorType : "Runtime.InitError", Encoding.UTF8.GetString(body));
        }
        _initError.TrySetResult(error);
        return Results.Accepted();
    }

    private PendingInvocation? Current(string requestId)
    {
        lock (_logGate)
        {
            return _current?.RequestId == requestId ? _current : null;
        }
    }

    private static IResult UnknownRequest(string requestId) => Results.Json(
        new LambdaErrorBody("InvalidRequestID", $"No invocation {requestId} is in progress."),
        EmulatorJsonContext.Default.LambdaErrorBody,
        statusCode: StatusCodes.Status400BadRequest);

    /// <summary>The invoker's span as an X-Ray trace header (the W3C trace id split as X-Ray writes it), or null.</summary>
    internal static string? TraceHeaderOf(Activity? activity)
    {
        if (activity is null)
        {
            return null;
        }
        var traceId = activity.TraceId.ToHexString();
        var sampled = activity.Recorded ? 1 : 0;
        return $"Root=1-{traceId[..8]}-{traceId[8..]};Parent={activity.SpanId.ToHexString()};Sampled={sampled}";
    }

    private static string NewTraceId()
    {
        var epoch = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString("x8", CultureInfo.InvariantCulture);
        return $"Root=1-{epoch}-{Guid.NewGuid():N}"[..40] + $";Parent={Guid.NewGuid().ToString("N")[..16]};Sampled=0";
    }

    private sealed class PendingInvocation(string requestId, LambdaInvocationRequest request, DateTimeOffset deadline)
    {
        public string RequestId { get; } = requestId;

        public LambdaInvocationRequest Request { get; } = request;

        public DateTimeOffset Deadline { get; } = deadline;

        public TaskCompletionSource<(InvocationStatus, byte[])> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Complete(InvocationStatus status, byte[] payload) => Completion.TrySetResult((status, payload));
    }
}

/// <summary>What a caller passes to an invocation.</summary>
/// <param name="LogTailRequested">
/// The caller asked for the log tail (<c>LogType: Tail</c>): the invocation ends once the function's
/// output has reached the environment, which for an environment whose launcher relays it can take a
/// moment longer.
/// </param>
public sealed record LambdaInvocationRequest(byte[] Payload, string? ClientContext = null, string? TraceId = null, bool LogTailRequested = false);

/// <summary>A function failed its init phase; the error type is Lambda's (<c>Runtime.InitError</c>, <c>Runtime.ExitError</c>).</summary>
public sealed class FunctionInitException(string errorType, string message, string lastOutput) : Exception(message)
{
    public string ErrorType { get; } = errorType;

    public string LastOutput { get; } = lastOutput;
}
