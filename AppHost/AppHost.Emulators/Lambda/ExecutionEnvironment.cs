using System.Diagnostics;
using System.Security.Cryptography;
using AppHost.Emulators.Processes;

namespace AppHost.Emulators.Lambda;

/// <summary>
/// One Lambda execution environment: a function process, the <see cref="RuntimeApi"/> it polls and
/// the environment's extensions (<see cref="EnvironmentExtensions"/>). It runs one invocation at a
/// time, timing it and writing its START, END and REPORT lines to its <see cref="InvocationLog"/>; an
/// invocation ends when the runtime has answered and every extension is done with it. After a timeout
/// or a crash it is dead and its owner replaces it.
/// </summary>
internal sealed class ExecutionEnvironment : IAsyncDisposable
{
    private readonly LambdaFunctionSettings _settings;
    private readonly InvocationLog _log;
    private readonly RuntimeApi _runtimeApi;
    private readonly ExtensionsApi _extensionsApi;
    private readonly EnvironmentExtensions _extensions;
    private readonly PeakMemoryReader _peakMemory = new();
    private readonly Stopwatch _initClock = Stopwatch.StartNew();
    private IFunctionProcess? _process;
    private TimeSpan? _pendingInitDuration;
    private ShutdownReason _shutdownReason = ShutdownReason.Spindown;
    private readonly Lock _stopGate = new();
    private Task? _stopped;

    private ExecutionEnvironment(LambdaFunctionSettings settings, Action<string> console, string? sessionToken = null)
    {
        SessionToken = sessionToken ?? Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        _settings = settings;
        _log = new InvocationLog(console);
        _extensionsApi = new ExtensionsApi(settings, _log);
        _extensions = new EnvironmentExtensions(settings, _extensionsApi, _log.Write);
        _runtimeApi = new RuntimeApi(settings, _log, _extensionsApi);
        LogStreamName = LambdaFunctionSettings.NewLogStreamName();
    }

    public string LogStreamName { get; }

    /// <summary>The environment's own <c>AWS_SESSION_TOKEN</c>: extensions take it as proof a caller runs inside the environment.</summary>
    public string SessionToken { get; }

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
            var variables = settings.LambdaVariables(environment.LogStreamName, address, command.Environment, provisioned, environment.SessionToken);
            await environment._extensions.StartAsync(address, variables, previous: null, settings.InitTimeout, cancellationToken);
            foreach (var (name, value) in environment._extensions.Variables)
            {
                variables[name] = value;
            }
            environment._process = ChildProcess.Start(command with { Environment = variables }, environment._log.Write);
            await environment.WaitForInitAsync(settings.InitTimeout, cancellationToken);
            if (provisioned)
            {
                // As in Lambda, a provisioned environment's first invocation is warm and reports no init.
                environment._pendingInitDuration = null;
            }
            return environment;
        }
        catch (Exception exception)
        {
            environment._shutdownReason = exception is FunctionInitException ? ShutdownReason.Failure : ShutdownReason.Spindown;
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
    /// Once the Runtime API listens (port 0 picks one) and the extensions have registered,
    /// <paramref name="onListening"/> receives what the process must be given: the Runtime API's
    /// <c>host:port</c>, the session token and the extensions' variables (a relaunch passes the last
    /// ones back as <paramref name="previous"/>, and gets the same: the orchestrator keeps a process's
    /// environment). Only then is <paramref name="launch"/> asked for the process. The launcher shows
    /// the process's output itself and passes each line on, with the time it was written, to the
    /// callback it is given: the line joins the log tail of the invocation it was written in. The
    /// environment's extensions run with the function's declared variables
    /// (<see cref="LambdaFunctionSettings.DeclaredEnvironment"/>) and Lambda's.
    /// </remarks>
    public static async Task<ExecutionEnvironment> AttachAsync(
        LambdaFunctionSettings settings,
        int port,
        Func<Action<DateTimeOffset, string>, CancellationToken, Task<IFunctionProcess>> launch,
        AttachedEnvironmentVariables? previous,
        Action<AttachedEnvironmentVariables> onListening,
        Action<string> log,
        CancellationToken cancellationToken)
    {
        var environment = new ExecutionEnvironment(settings, log, previous?.SessionToken);
        try
        {
            var address = await environment._runtimeApi.StartAsync(port, cancellationToken);
            var variables = settings.LambdaVariables(environment.LogStreamName, address, settings.DeclaredEnvironment, sessionToken: environment.SessionToken);
            await environment._extensions.StartAsync(address, variables, previous?.Extensions, settings.AttachedInitTimeout, cancellationToken);
            onListening(new AttachedEnvironmentVariables(address, environment.SessionToken, environment._extensions.Variables));
            environment._process = await launch(environment._log.AddRelayed, cancellationToken);
            await environment.WaitForInitAsync(settings.AttachedInitTimeout, cancellationToken);
            return environment;
        }
        catch (Exception exception)
        {
            environment._shutdownReason = exception is FunctionInitException ? ShutdownReason.Failure : ShutdownReason.Spindown;
            await environment.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Waits for the end of the init phase: the runtime's first poll for an invocation, and every
    /// extension waiting for its first event. Registration closes then.
    /// </summary>
    private async Task WaitForInitAsync(TimeSpan initTimeout, CancellationToken cancellationToken)
    {
        var timeout = Task.Delay(initTimeout - _initClock.Elapsed is { Ticks: > 0 } left ? left : TimeSpan.Zero, cancellationToken);
        var ready = ReadyAsync(cancellationToken);
        var ended = await Task.WhenAny(ready, _runtimeApi.InitError, _process!.Exited, _extensions.Failed, timeout);
        if (ended == ready)
        {
            _extensionsApi.CloseRegistration();
            _pendingInitDuration = _initClock.Elapsed;
            return;
        }
        Die(ShutdownReason.Failure);
        var (errorType, message) = ended == _runtimeApi.InitError
            ? ("Runtime.InitError", $"{_runtimeApi.InitError.Result.ErrorType}: {_runtimeApi.InitError.Result.ErrorMessage}")
            : ended == _process.Exited
                ? ("Runtime.ExitError", $"Runtime exited during init with exit status {_process.Exited.Result}")
                : ended == _extensions.Failed
                    ? _extensions.Failed.Result
                    : ("Runtime.InitError", $"Init phase timed out after {initTimeout.TotalSeconds:0.00} seconds");
        cancellationToken.ThrowIfCancellationRequested();
        var lastLines = string.Join('\n', _process.LastOutput(20));
        throw new FunctionInitException(errorType, message, lastLines);
    }

    private async Task ReadyAsync(CancellationToken cancellationToken)
    {
        await _runtimeApi.FirstPoll.WaitAsync(cancellationToken);
        await _extensionsApi.AllWaitingAsync(cancellationToken);
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
        _extensionsApi.Invoke(pending);
        await _runtimeApi.HandOutAsync(pending, cancellationToken);

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timeout = Task.Delay(_settings.Timeout, timer.Token);
        var ended = await Task.WhenAny(pending.Completion.Task, _process!.Exited, _extensions.Failed, timeout);
        var duration = clock.Elapsed;
        if (ended == pending.Completion.Task && _extensionsApi.AnyTakesInvoke)
        {
            // The invocation ends when every extension is done with it, within the same timeout; a crash of the
            // runtime or of an extension meanwhile ends it with that error.
            var extensionsDone = _extensionsApi.AllWaitingAsync(timer.Token);
            var afterResponse = await Task.WhenAny(extensionsDone, _process.Exited, _extensions.Failed, timeout);
            ended = afterResponse == extensionsDone ? pending.Completion.Task : afterResponse;
        }
        await timer.CancelAsync();
        var (status, payload) = (InvocationStatus.Succeeded, Array.Empty<byte>());
        if (ended == pending.Completion.Task)
        {
            (status, payload) = pending.Completion.Task.Result;
        }
        else if (ended == _process.Exited)
        {
            Die(ShutdownReason.Failure);
            var message = $"RequestId: {requestId} Error: Runtime exited with error: exit status {_process.Exited.Result}";
            _log.Write(message);
            (status, payload) = (InvocationStatus.FunctionError, InvocationResult.ErrorBody("Runtime.ExitError", message));
        }
        else if (ended == _extensions.Failed)
        {
            Die(ShutdownReason.Failure);
            var (errorType, message) = _extensions.Failed.Result;
            _log.Write($"RequestId: {requestId} Error: {message}");
            (status, payload) = (InvocationStatus.FunctionError, InvocationResult.ErrorBody(errorType, message));
        }
        else
        {
            cancellationToken.ThrowIfCancellationRequested();
            Die(ShutdownReason.Timeout);
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

    /// <summary>Marks the environment dead: it is stopped after its invocation, and its extensions hear <paramref name="reason"/>.</summary>
    private void Die(ShutdownReason reason)
    {
        IsDead = true;
        _shutdownReason = reason;
    }

    /// <summary>Stops the process and the extensions once, however often it is asked (a dead environment is stopped, then discarded).</summary>
    private Task StopProcessAsync()
    {
        lock (_stopGate)
        {
            return _stopped ??= StopOnceAsync();
        }
    }

    /// <summary>
    /// Stops the function process first (SIGTERM: its host shuts down and stops polling), then gives
    /// the extensions their <c>SHUTDOWN</c> with the reason, then closes the invocation queue, so a
    /// healthy runtime never sees its Runtime API go away under it.
    /// </summary>
    private async Task StopOnceAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
        await _extensions.ShutDownAsync(_shutdownReason);
        _runtimeApi.CloseQueue();
    }
}

/// <summary>
/// What the process of an environment launched from outside must be given: the Runtime API's
/// <c>host:port</c> (<c>AWS_LAMBDA_RUNTIME_API</c>), its session token (<c>AWS_SESSION_TOKEN</c>) and the
/// variables of its extensions.
/// </summary>
public sealed record AttachedEnvironmentVariables(string RuntimeApi, string SessionToken, IReadOnlyDictionary<string, string> Extensions);
