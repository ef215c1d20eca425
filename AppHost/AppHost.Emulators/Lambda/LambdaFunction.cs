using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using AppHost.Emulators.Processes;

namespace AppHost.Emulators.Lambda;

/// <summary>
/// A function's execution environments. An invocation takes an idle environment; without one it asks
/// for a new one (a cold start) while fewer than <see cref="LambdaFunctionSettings.EnvironmentLimit"/>
/// exist, and takes whichever environment is free first: the new one when its init ends, or one that
/// another invocation freed. Beyond the app's reserved concurrency it is throttled, as in Lambda; beyond
/// the machine's cap (<see cref="LambdaFunctionSettings.MaxEnvironments"/>) it waits for a free
/// environment. Environments that timed out or crashed are discarded.
/// </summary>
/// <remarks>
/// One environment may be launched from outside (<see cref="AttachExternalEnvironment"/>): the
/// AppHost's orchestrator starts that process, so an IDE can debug it. It serves invocations like
/// any other; when it is discarded, its launcher is asked for a fresh process on the same Runtime API.
/// New code replaces the old with <see cref="SwapCodeAsync"/>: environments of the new code start,
/// then the old ones leave as soon as they are idle; invocations in flight finish on the old code.
/// The external environment retired by a swap is launched again once the code has stayed unchanged for
/// <see cref="RelaunchSettleTime"/>.
/// </remarks>
public sealed class LambdaFunction : IAsyncDisposable
{
    /// <summary>
    /// How long the code must stay unchanged before the external environment that a swap retired is
    /// launched again. Saves in quick succession then relaunch it once, and its launch (a
    /// <c>dotnet run</c>, seconds of CPU) does not compete with the next save's build.
    /// </summary>
    public static readonly TimeSpan RelaunchSettleTime = TimeSpan.FromSeconds(5);

    private readonly ConcurrentBag<ExecutionEnvironment> _idle = [];
    /// <summary>Every environment alive, whether the orchestrator launched it, and the version of the code it runs.</summary>
    private readonly ConcurrentDictionary<ExecutionEnvironment, (bool External, int Code)> _all = new();
    private readonly TaskCompletionSource<AttachedEnvironmentVariables> _externalVariables = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _externalReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _freed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<string> _log;
    private FunctionCode _code;
    private Func<ExternalLaunch, CancellationToken, Task<IFunctionProcess>>? _launchExternal;
    private int _externalPort;
    private int _reserved;
    private int _disposed;
    private int _active;
    private int _waiting;
    private int _starting;
    private readonly System.Diagnostics.TagList _metricTags;
    private long _invocations;
    private long _coldStarts;
    private long _throttles;
    private long _errors;
    private long _lastInvokedAt;

    /// <param name="command">
    /// Resolves the command of the environments the emulator starts, once, when the first is needed
    /// (by default <see cref="LambdaFunctionSettings.Command"/>).
    /// </param>
    public LambdaFunction(LambdaFunctionSettings settings, Action<string>? log = null, Func<CancellationToken, Task<ChildProcessSpec>>? command = null)
    {
        Settings = settings;
        _log = log ?? (_ => { });
        _code = new FunctionCode(0, command ?? (_ => Task.FromResult(settings.Command
            ?? throw new InvalidOperationException($"{settings.Name} has neither a command nor a command resolver."))));
        _metricTags = LambdaMetrics.For(this);
        LambdaMetrics.Track(this);
    }

    public LambdaFunctionSettings Settings { get; }

    /// <summary>Environments alive now (busy, idle or starting).</summary>
    public int EnvironmentCount => Volatile.Read(ref _reserved);

    /// <summary>Invocations running now (each holds one environment), not counting those waiting for one.</summary>
    public int ActiveInvocations => Volatile.Read(ref _active) - Volatile.Read(ref _waiting);

    /// <summary>Invocations waiting for an environment, the machine's cap on environments being reached.</summary>
    public int WaitingInvocations => Volatile.Read(ref _waiting);

    /// <summary>When the last invocation arrived (a <see cref="System.Diagnostics.Stopwatch"/> timestamp; 0 before the first): the more recent, the sooner this function's inits get a slot.</summary>
    private long LastInvokedAt => Volatile.Read(ref _lastInvokedAt);

    /// <summary>Invocations so far, cold starts among them, and throttled requests.</summary>
    public (long Invocations, long ColdStarts, long Throttles, long Errors) Counters =>
        (Interlocked.Read(ref _invocations), Interlocked.Read(ref _coldStarts), Interlocked.Read(ref _throttles), Interlocked.Read(ref _errors));

    /// <summary>Runs one invocation; never throws for function failures, which come back as results.</summary>
    public async Task<InvocationResult> InvokeAsync(LambdaInvocationRequest request, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Volatile.Write(ref _lastInvokedAt, System.Diagnostics.Stopwatch.GetTimestamp());
        Interlocked.Increment(ref _active);
        ExecutionEnvironment environment;
        try
        {
            var (acquired, refusal) = TakeIdle() is { } idle ? (idle, null) : await WaitForEnvironmentAsync(cancellationToken);
            if (refusal is not null)
            {
                Interlocked.Decrement(ref _active);
                return refusal;
            }
            environment = acquired!;
        }
        catch
        {
            Interlocked.Decrement(ref _active);
            throw;
        }

        Count(ref _invocations, LambdaMetrics.Invocations);
        InvocationResult result;
        try
        {
            result = await environment.InvokeAsync(request, cancellationToken);
        }
        catch
        {
            await DiscardAsync(environment);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
        LambdaMetrics.Duration.Record(result.Duration.TotalMilliseconds, _metricTags);
        if (result.ColdStart)
        {
            // Counted with the invocation that ran the init, as Lambda reports a cold start.
            Count(ref _coldStarts, LambdaMetrics.ColdStarts);
        }
        if (result.InitDuration is { } init)
        {
            LambdaMetrics.InitDuration.Record(init.TotalMilliseconds, _metricTags);
        }
        if (result.Status == InvocationStatus.FunctionError)
        {
            Count(ref _errors, LambdaMetrics.Errors);
        }
        if (environment.IsDead || Volatile.Read(ref _disposed) != 0 || IsRetired(environment))
        {
            await DiscardAsync(environment);
        }
        else
        {
            _idle.Add(environment);
            SignalFreed();
        }
        return result;
    }

    /// <summary>
    /// Starts the function's provisioned concurrency: <see cref="LambdaFunctionSettings.ProvisionedConcurrency"/>
    /// environments initialised ahead of traffic (<c>AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency</c>),
    /// left idle; their first invocations are warm. As many as <see cref="LambdaFunctionSettings.EnvironmentLimit"/>
    /// leaves room for beside the environments that exist. Returns how many it started; throws
    /// <see cref="FunctionInitException"/> when an init fails.
    /// </summary>
    public async Task<int> ProvisionAsync()
    {
        var started = await Task.WhenAll(Enumerable.Range(0, Settings.ProvisionedConcurrency).Select(_ => StartProvisionedAsync(_stopping.Token)));
        return started.Count(isStarted => isStarted);
    }

    private async Task<bool> StartProvisionedAsync(CancellationToken cancellationToken)
    {
        if (!TryReserve())
        {
            return false;
        }
        await StartEnvironmentAsync(provisioned: true, cancellationToken);
        return true;
    }

    /// <summary>
    /// Starts one environment in a slot already reserved, and adds it to the idle ones when its init
    /// ends, for whichever invocation is free to take it first. Inits wait for one of the machine's
    /// <see cref="InitSlots"/>. Throws <see cref="FunctionInitException"/> when the init fails.
    /// </summary>
    private async Task StartEnvironmentAsync(bool provisioned, CancellationToken cancellationToken)
    {
        try
        {
            // A cold start has an invocation waiting for it; a provisioned environment does not.
            var environment = await StartWithCodeAsync(Volatile.Read(ref _code), provisioned,
                provisioned ? LastInvokedAt : InitSlots.InvocationWaiting, cancellationToken);
            if (Volatile.Read(ref _disposed) != 0 || IsRetired(environment))
            {
                await DiscardAsync(environment);
                return;
            }
            _idle.Add(environment);
        }
        finally
        {
            SignalFreed();
        }
    }

    /// <summary>
    /// What to give the externally launched process: its <c>AWS_LAMBDA_RUNTIME_API</c>, session token and
    /// extensions' variables; completes once <see cref="AttachExternalEnvironment"/> has opened its
    /// Runtime API and started its extensions. A relaunched process gets the same.
    /// </summary>
    public Task<AttachedEnvironmentVariables> ExternalVariables => _externalVariables.Task;

    /// <summary>Completes when the external environment's first init ends; faults with <see cref="FunctionInitException"/> if it failed.</summary>
    public Task ExternalEnvironmentReady => _externalReady.Task;

    /// <summary>
    /// Opens a Runtime API for one environment whose process <paramref name="launch"/> provides
    /// (see <see cref="ExternalLaunch"/>), and adds the environment to the pool once its init ends.
    /// </summary>
    public void AttachExternalEnvironment(Func<ExternalLaunch, CancellationToken, Task<IFunctionProcess>> launch)
    {
        if (Interlocked.CompareExchange(ref _launchExternal, launch, null) is not null)
        {
            throw new InvalidOperationException($"{Settings.Name} already has an external environment.");
        }
        _ = RunExternalEnvironmentAsync(relaunch: false, afterSwap: false);
    }

    private async Task RunExternalEnvironmentAsync(bool relaunch, bool afterSwap)
    {
        if (afterSwap && !await CodeSettledAsync())
        {
            return;
        }
        if (Volatile.Read(ref _disposed) != 0 || !TryReserve())
        {
            return;
        }
        InitSlots.Slot? slot = null;
        try
        {
            // A relaunch replaces an environment nobody waits for: it starts after every other init that waits.
            slot = relaunch ? await InitSlots.Machine.TakeAsync(0, _stopping.Token) : null;
            // The launcher runs the code current now (after a swap it updates the process's files first).
            var code = Volatile.Read(ref _code);
            var previous = _externalVariables.Task.IsCompletedSuccessfully ? _externalVariables.Task.Result : null;
            var environment = await ExecutionEnvironment.AttachAsync(Settings, _externalPort, (onOutput, token) => _launchExternal!(new ExternalLaunch(relaunch, onOutput), token), previous, variables =>
            {
                _externalPort = int.Parse(variables.RuntimeApi[(variables.RuntimeApi.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                _externalVariables.TrySetResult(variables);
            }, _log, _stopping.Token);
            _all[environment] = (true, code.Version);
            _idle.Add(environment);
            SignalFreed();
            _externalReady.TrySetResult();
            // Resolve the command of further environments now, off the first cold start's path.
            _ = code.CommandAsync(_stopping.Token);
        }
        catch (FunctionInitException failure)
        {
            Interlocked.Decrement(ref _reserved);
            _log($"INIT_REPORT Status: error\tError Type: {failure.ErrorType}");
            _externalReady.TrySetException(failure);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Decrement(ref _reserved);
        }
        finally
        {
            slot?.Dispose();
        }
    }

    /// <summary>Waits until the code has stayed unchanged for <see cref="RelaunchSettleTime"/>; false when the function stops first.</summary>
    private async Task<bool> CodeSettledAsync()
    {
        try
        {
            var stopping = _stopping.Token;
            int version;
            do
            {
                version = CodeVersion;
                await Task.Delay(RelaunchSettleTime, stopping);
            }
            while (CodeVersion != version);
            return true;
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>The process ids of the environments alive now, where the platform tells them.</summary>
    public IReadOnlyList<int> ProcessIds => _all.Keys.Select(environment => environment.ProcessId).OfType<int>().ToList();

    /// <summary>The version of the code new environments run: 0 at start, one more per <see cref="SwapCodeAsync"/>.</summary>
    public int CodeVersion => Volatile.Read(ref _code).Version;

    /// <summary>
    /// Serves new code: starts <paramref name="warmEnvironments"/> environments of it (where the limits
    /// allow), and only once their init succeeded makes it the code of every new environment and retires
    /// the old ones — the idle ones now, the busy ones when their invocation ends. Throws
    /// <see cref="FunctionInitException"/> when the new code's init fails: the old code keeps serving.
    /// </summary>
    public async Task<int> SwapCodeAsync(Func<CancellationToken, Task<ChildProcessSpec>> command, int warmEnvironments)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var next = new FunctionCode(Volatile.Read(ref _code).Version + 1, command);
        var warm = new List<ExecutionEnvironment>();
        try
        {
            for (var index = 0; index < warmEnvironments && TryReserve(); index++)
            {
                warm.Add(await StartWithCodeAsync(next, provisioned: Settings.ProvisionedConcurrency > index, LastInvokedAt, _stopping.Token));
            }
        }
        catch
        {
            await Task.WhenAll(warm.Select(DiscardAsync));
            throw;
        }
        Volatile.Write(ref _code, next);
        // The idle environments of the old code leave now; the new ones join those of the new code (each once:
        // an environment in the idle pool twice would be handed two invocations at a time).
        var retired = new List<ExecutionEnvironment>();
        var current = new List<ExecutionEnvironment>(warm);
        while (_idle.TryTake(out var environment))
        {
            (IsRetired(environment) ? retired : current).Add(environment);
        }
        foreach (var environment in current)
        {
            _idle.Add(environment);
        }
        SignalFreed();
        await Task.WhenAll(retired.Select(DiscardAsync));
        _log($"code version {next.Version} serves: {warm.Count} environment(s) of it started, {retired.Count} idle one(s) of the old code stopped; busy ones stop when their invocation ends");
        return next.Version;
    }

    /// <summary>Stops every idle environment; the next invocation starts cold.</summary>
    public async Task RestartAsync()
    {
        while (_idle.TryTake(out var environment))
        {
            await DiscardAsync(environment);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        LambdaMetrics.Untrack(this);
        await _stopping.CancelAsync();
        await Task.WhenAll(_all.Keys.Select(environment => environment.DisposeAsync().AsTask()));
        _all.Clear();
        _stopping.Dispose();
    }

    /// <summary>
    /// Starts an environment of <paramref name="code"/> in a slot already reserved, holding one of the
    /// machine's <see cref="InitSlots"/> for its init; a failed start gives the slot back.
    /// </summary>
    /// <param name="initPriority">Its place among the inits waiting for a slot (<see cref="InitSlots.TakeAsync"/>).</param>
    private async Task<ExecutionEnvironment> StartWithCodeAsync(FunctionCode code, bool provisioned, long initPriority, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _starting);
        try
        {
            var command = await code.CommandAsync(cancellationToken);
            ExecutionEnvironment environment;
            // An init is mostly JIT and start-up work that uses a core fully: more at once than the machine's
            // InitSlots only slow each other and the warm environments serving traffic.
            using (await InitSlots.Machine.TakeAsync(initPriority, cancellationToken))
            {
                environment = await ExecutionEnvironment.StartAsync(Settings, command, _log, cancellationToken, provisioned);
            }
            _all[environment] = (false, code.Version);
            return environment;
        }
        catch (Exception failure)
        {
            Interlocked.Decrement(ref _reserved);
            if (failure is FunctionInitException init)
            {
                _log($"INIT_REPORT Status: error\tError Type: {init.ErrorType}");
            }
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _starting);
        }
    }

    /// <summary>True when the environment runs code older than the current version.</summary>
    private bool IsRetired(ExecutionEnvironment environment) =>
        _all.TryGetValue(environment, out var entry) && entry.Code < Volatile.Read(ref _code).Version;

    private ExecutionEnvironment? TakeIdle()
    {
        while (_idle.TryTake(out var environment))
        {
            if (!environment.IsDead && !environment.Exited.IsCompleted && !IsRetired(environment))
            {
                return environment;
            }
            _ = DiscardAsync(environment);
        }
        return null;
    }

    private bool AtReservedConcurrency => Settings.ReservedConcurrency is { } reserved && Volatile.Read(ref _reserved) >= reserved;

    /// <summary>
    /// Waits until an environment is idle and takes it: one that another invocation freed, or one that
    /// finished its init, whichever comes first — never queued behind one environment's init. While the
    /// limits allow, it asks for one more environment. The wait does not count against the function's
    /// timeout, which runs from the start of the invocation in an environment, as in Lambda; it ends
    /// early only with the caller's token or a refusal: a throttle beyond the app's reserved concurrency,
    /// or the failed init of the environment it asked for.
    /// </summary>
    private async Task<(ExecutionEnvironment? Environment, InvocationResult? Refusal)> WaitForEnvironmentAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            Task? requested = null;
            while (true)
            {
                var freed = Volatile.Read(ref _freed).Task;
                if (TakeIdle() is { } idle)
                {
                    return (idle, null);
                }
                if (Volatile.Read(ref _disposed) != 0)
                {
                    return (null, Throttled());
                }
                if (requested is { IsFaulted: true })
                {
                    return (null, StartFailure(requested.Exception!.InnerException!));
                }
                if (requested is null && TryReserve())
                {
                    requested = StartEnvironmentAsync(provisioned: false, _stopping.Token);
                    // Observed here when this invocation is served by another environment before its init fails.
                    _ = requested.ContinueWith(static start => start.Exception, CancellationToken.None,
                        TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
                else if (requested is null && AtReservedConcurrency && Volatile.Read(ref _waiting) > Volatile.Read(ref _starting))
                {
                    // Every environment the app's reserved concurrency allows is busy, none is on its way for this invocation.
                    return (null, Throttled());
                }
                await (requested is { IsCompleted: false } ? Task.WhenAny(freed, requested) : freed).WaitAsync(cancellationToken);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    private InvocationResult Throttled()
    {
        Count(ref _throttles, LambdaMetrics.Throttles);
        return new InvocationResult(Guid.NewGuid().ToString(), InvocationStatus.Throttled, [], "", false, TimeSpan.Zero);
    }

    /// <summary>The result of an invocation whose environment could not start: its init failed, or the emulator could not start the process.</summary>
    private InvocationResult StartFailure(Exception failure)
    {
        Count(ref _errors, LambdaMetrics.Errors);
        if (failure is FunctionInitException init)
        {
            Count(ref _invocations, LambdaMetrics.Invocations);
            return new InvocationResult(Guid.NewGuid().ToString(), InvocationStatus.FunctionError,
                InvocationResult.ErrorBody(init.ErrorType, init.Message), init.LastOutput, true, TimeSpan.Zero);
        }
        // The emulator could not start an environment (its command, the machine): as Lambda reports a
        // service-side failure, an error result the caller can retry.
        _log($"an execution environment could not start: {failure.GetType().Name}: {failure.Message}");
        return new InvocationResult(Guid.NewGuid().ToString(), InvocationStatus.FunctionError,
            InvocationResult.ErrorBody("ServiceException", $"An execution environment could not start: {failure.Message}"), "", true, TimeSpan.Zero);
    }

    /// <summary>Counts an event twice: in <see cref="Counters"/> (tests, the test tool) and in Lambda's metrics (the dashboard).</summary>
    private void Count(ref long counter, Counter<long> metric)
    {
        Interlocked.Increment(ref counter);
        metric.Add(1, _metricTags);
    }

    /// <summary>Wakes the invocations waiting for an environment: one became idle or went away.</summary>
    private void SignalFreed() => Interlocked.Exchange(ref _freed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private bool TryReserve()
    {
        while (true)
        {
            var current = Volatile.Read(ref _reserved);
            if (current >= Settings.EnvironmentLimit)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _reserved, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    private async Task DiscardAsync(ExecutionEnvironment environment)
    {
        if (_all.TryRemove(environment, out var entry))
        {
            Interlocked.Decrement(ref _reserved);
            SignalFreed();
            await environment.DisposeAsync();
            if (entry.External)
            {
                _ = RunExternalEnvironmentAsync(relaunch: true, afterSwap: entry.Code != CodeVersion);
            }
        }
    }

    /// <summary>One version of the function's code: the command of its environments, resolved once when first needed.</summary>
    private sealed class FunctionCode(int version, Func<CancellationToken, Task<ChildProcessSpec>> command)
    {
        private Task<ChildProcessSpec>? _resolved;

        public int Version { get; } = version;

        public Task<ChildProcessSpec> CommandAsync(CancellationToken cancellationToken)
        {
            var resolved = Volatile.Read(ref _resolved);
            if (resolved is null || resolved.IsFaulted || resolved.IsCanceled)
            {
                resolved = command(cancellationToken);
                Volatile.Write(ref _resolved, resolved);
            }
            return resolved;
        }
    }
}

/// <summary>What the launcher of an external environment's process is told.</summary>
/// <param name="Relaunch">True when a discarded environment's process must be started again.</param>
/// <param name="OnOutput">
/// Takes each line the process writes, with the time it was written, once the launcher has it: the
/// launcher shows the process's output itself, and the line joins the log tail of its invocation.
/// </param>
public sealed record ExternalLaunch(bool Relaunch, Action<DateTimeOffset, string> OnOutput);
