using System.Diagnostics;
using AppHost.Emulators.Processes;

namespace AppHost.Emulators.Lambda;

/// <summary>
/// One Lambda execution environment: a function process and the <see cref="RuntimeApi"/> it polls.
/// It runs one invocation at a time, timing it and writing its START, END and REPORT lines to its
/// <see cref="InvocationLog"/>. After a timeout or a crash it is dead and its owner replaces it.
/// </summary>
internal sealed class ExecutionEnvironment : IAsyncDisposable
{
    private readonly LambdaFunctionSettings _settings;
    private readonly InvocationLog _log;
    private readonly RuntimeApi _runtimeApi;
    private readonly PeakMemoryReader _peakMemory = new();
    private IFunctionProcess? _process;
    private TimeSpan? _pendingInitDuration;

    private ExecutionEnvironment(LambdaFunctionSettings settings, Action<string> console)
    {
        _settings = settings;
        _log = new InvocationLog(console);
        _runtimeApi = new RuntimeApi(settings, _log);
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
            var address = await environment._runtimeApi.StartAsync(0, cancellationToken);
            environment._process = ChildProcess.Start(
                command with { Environment = settings.LambdaVariables(environment.LogStreamName, address, command.Environment, provisioned) }, environment._log.Write);
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
            onListening(await environment._runtimeApi.StartAsync(port, cancellationToken));
            environment._process = await launch(environment._log.AddRelayed, cancellationToken);
            await environment.WaitForInitAsync(settings.AttachedInitTimeout, cancellationToken);
            return environment;
        }
        catch
        {
            await environment.DisposeAsync();
            throw;
        }
    }

    private async Task WaitForInitAsync(TimeSpan initTimeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var timeout = Task.Delay(initTimeout, cancellationToken);
        var ended = await Task.WhenAny(_runtimeApi.FirstPoll, _runtimeApi.InitError, _process!.Exited, timeout);
        if (ended == _runtimeApi.FirstPoll)
        {
            _pendingInitDuration = started.Elapsed;
            return;
        }
        IsDead = true;
        var (errorType, message) = ended == _runtimeApi.InitError
            ? ("Runtime.InitError", $"{_runtimeApi.InitError.Result.ErrorType}: {_runtimeApi.InitError.Result.ErrorMessage}")
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
        var pending = new PendingInvocation(requestId, request with { TraceId = request.TraceId ?? XRayTraceHeader.Of(Activity.Current) ?? XRayTraceHeader.New() }, deadline);
        _log.Open();
        _log.Write($"START RequestId: {requestId} Version: $LATEST");
        var clock = Stopwatch.StartNew();
        await _runtimeApi.HandOutAsync(pending, cancellationToken);

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
            _log.Write(message);
            (status, payload) = (InvocationStatus.FunctionError, InvocationResult.ErrorBody("Runtime.ExitError", message));
        }
        else
        {
            cancellationToken.ThrowIfCancellationRequested();
            IsDead = true;
            var message = $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {requestId} Task timed out after {_settings.Timeout.TotalSeconds:0.00} seconds";
            _log.Write(message);
            (status, payload) = (InvocationStatus.FunctionError, InvocationResult.ErrorBody("Sandbox.Timedout", message));
        }

        if (request.LogTailRequested)
        {
            await _log.WaitForRelayedOutputAsync(_process.OutputDelay);
        }
        _log.Write($"END RequestId: {requestId}");
        _log.Write(InvocationLog.ReportLine(requestId, duration, initDuration, _settings.MemoryMb, _peakMemory.PeakMb(ProcessId)));
        var logTail = _log.Close();
        _runtimeApi.EndInvocation();
        if (IsDead)
        {
            await StopProcessAsync();
        }
        return new InvocationResult(requestId, status, payload, logTail, coldStart, duration)
        {
            InitDuration = initDuration,
            TraceHeader = pending.Request.TraceId,
        };
    }

    public async ValueTask DisposeAsync()
    {
        IsDead = true;
        await StopProcessAsync();
        await _runtimeApi.DisposeAsync();
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
        _runtimeApi.CloseQueue();
    }
}
