using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using AppHost.Emulators.Processes;

namespace AppHost.Emulators.Lambda;

/// <summary>
/// A function's execution environments. An invocation takes an idle environment, or starts a new
/// one (a cold start) while fewer than <see cref="LambdaFunctionSettings.EnvironmentLimit"/> exist.
/// Beyond the app's reserved concurrency it is throttled, as in Lambda; beyond the machine's cap
/// (<see cref="LambdaFunctionSettings.MaxEnvironments"/>) it waits for a free environment, at most
/// the function's timeout. Environments that timed out or crashed are discarded.
/// </summary>
/// <remarks>
/// One environment may be launched from outside (<see cref="AttachExternalEnvironment"/>): the
/// AppHost's orchestrator starts that process, so an IDE can debug it. It serves invocations like
/// any other; when it is discarded, its launcher is asked for a fresh process on the same Runtime API.
/// </remarks>
public sealed class LambdaFunction : IAsyncDisposable
{
    private readonly ConcurrentBag<ExecutionEnvironment> _idle = [];
    private readonly ConcurrentDictionary<ExecutionEnvironment, bool> _all = new();
    private readonly TaskCompletionSource<string> _externalRuntimeApi = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _externalReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _freed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<string> _log;
    private readonly Func<CancellationToken, Task<ChildProcessSpec>> _command;
    private Task<ChildProcessSpec>? _resolvedCommand;
    private Func<bool, CancellationToken, Task<IFunctionProcess>>? _launchExternal;
    private int _externalPort;
    private int _reserved;
    private int _disposed;
    private int _active;
    private int _waiting;
    private readonly System.Diagnostics.TagList _metricTags;
    private long _invocations;
    private long _coldStarts;
    private long _throttles;
    private long _errors;

    /// <param name="command">
    /// Resolves the command of the environments the emulator starts, once, when the first is needed
    /// (by default <see cref="LambdaFunctionSettings.Command"/>).
    /// </param>
    public LambdaFunction(LambdaFunctionSettings settings, Action<string>? log = null, Func<CancellationToken, Task<ChildProcessSpec>>? command = null)
    {
        Settings = settings;
        _log = log ?? (_ => { });
        _command = command ?? (_ => Task.FromResult(settings.Command
            ?? throw new InvalidOperationException($"{settings.Name} has neither a command nor a command resolver.")));
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

    /// <summary>Invocations so far, cold starts among them, and throttled requests.</summary>
    public (long Invocations, long ColdStarts, long Throttles, long Errors) Counters =>
        (Interlocked.Read(ref _invocations), Interlocked.Read(ref _coldStarts), Interlocked.Read(ref _throttles), Interlocked.Read(ref _errors));

    /// <summary>Runs one invocation; never throws for function failures, which come back as results.</summary>
    public async Task<InvocationResult> InvokeAsync(LambdaInvocationRequest request, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Interlocked.Increment(ref _active);
        var environment = TakeIdle();
        if (environment is null && !TryReserve())
        {
            // Beyond the app's reserved concurrency Lambda throttles; beyond this machine's cap on
            // environments Lambda would have scaled, so the invocation waits for a free one.
            var (idle, reserved) = AtReservedConcurrency ? (null, false) : await WaitForEnvironmentAsync(cancellationToken);
            if (idle is null && !reserved)
            {
                Interlocked.Decrement(ref _active);
                Count(ref _throttles, LambdaMetrics.Throttles);
                return new InvocationResult(Guid.NewGuid().ToString(), InvocationStatus.Throttled, [], "", false, TimeSpan.Zero);
            }
            environment = idle;
        }
        if (environment is null)
        {
            try
            {
                environment = await ExecutionEnvironment.StartAsync(Settings, await CommandAsync(cancellationToken), _log, cancellationToken);
                _all[environment] = false;
                Count(ref _coldStarts, LambdaMetrics.ColdStarts);
            }
            catch (FunctionInitException failure)
            {
                Interlocked.Decrement(ref _active);
                Interlocked.Decrement(ref _reserved);
                Count(ref _invocations, LambdaMetrics.Invocations);
                Count(ref _errors, LambdaMetrics.Errors);
                _log($"INIT_REPORT Status: error\tError Type: {failure.ErrorType}");
                return new InvocationResult(Guid.NewGuid().ToString(), InvocationStatus.FunctionError,
                    InvocationResult.ErrorBody(failure.ErrorType, failure.Message), failure.LastOutput, true, TimeSpan.Zero);
            }
            catch (Exception failure) when (failure is not OperationCanceledException)
            {
                // The emulator could not start an environment (its command, the machine): as Lambda
                // reports a service-side failure, an error result the caller can retry.
                Interlocked.Decrement(ref _active);
                Interlocked.Decrement(ref _reserved);
                Count(ref _errors, LambdaMetrics.Errors);
                _log($"an execution environment could not start: {failure.GetType().Name}: {failure.Message}");
                return new InvocationResult(Guid.NewGuid().ToString(), InvocationStatus.FunctionError,
                    InvocationResult.ErrorBody("ServiceException", $"An execution environment could not start: {failure.Message}"), "", true, TimeSpan.Zero);
            }
            catch
            {
                Interlocked.Decrement(ref _active);
                Interlocked.Decrement(ref _reserved);
                throw;
            }
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
        if (result.InitDuration is { } init)
        {
            LambdaMetrics.InitDuration.Record(init.TotalMilliseconds, _metricTags);
        }
        if (result.Status == InvocationStatus.FunctionError)
        {
            Count(ref _errors, LambdaMetrics.Errors);
        }
        if (environment.IsDead || Volatile.Read(ref _disposed) != 0)
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
    /// left idle; their first invocations are warm. Throws <see cref="FunctionInitException"/> when an init fails.
    /// </summary>
    public async Task ProvisionAsync()
    {
        await Task.WhenAll(Enumerable.Range(0, Settings.ProvisionedConcurrency).Select(_ => StartProvisionedAsync(_stopping.Token)));
    }

    private async Task StartProvisionedAsync(CancellationToken cancellationToken)
    {
        if (!TryReserve())
        {
            return;
        }
        try
        {
            var environment = await ExecutionEnvironment.StartAsync(Settings, await CommandAsync(cancellationToken), _log, cancellationToken, provisioned: true);
            _all[environment] = false;
            _idle.Add(environment);
            SignalFreed();
        }
        catch
        {
            Interlocked.Decrement(ref _reserved);
            throw;
        }
    }

    /// <summary>
    /// The <c>host:port</c> to give the externally launched process as <c>AWS_LAMBDA_RUNTIME_API</c>;
    /// completes once <see cref="AttachExternalEnvironment"/> has opened it.
    /// </summary>
    public Task<string> ExternalRuntimeApi => _externalRuntimeApi.Task;

    /// <summary>Completes when the external environment's first init ends; faults with <see cref="FunctionInitException"/> if it failed.</summary>
    public Task ExternalEnvironmentReady => _externalReady.Task;

    /// <summary>
    /// Opens a Runtime API for one environment whose process <paramref name="launch"/> provides
    /// (its argument is true when a discarded environment's process must be started again), and
    /// adds the environment to the pool once its init ends.
    /// </summary>
    public void AttachExternalEnvironment(Func<bool, CancellationToken, Task<IFunctionProcess>> launch)
    {
        if (Interlocked.CompareExchange(ref _launchExternal, launch, null) is not null)
        {
            throw new InvalidOperationException($"{Settings.Name} already has an external environment.");
        }
        _ = RunExternalEnvironmentAsync(relaunch: false);
    }

    private async Task RunExternalEnvironmentAsync(bool relaunch)
    {
        if (Volatile.Read(ref _disposed) != 0 || !TryReserve())
        {
            return;
        }
        try
        {
            var environment = await ExecutionEnvironment.AttachAsync(Settings, _externalPort, token => _launchExternal!(relaunch, token), address =>
            {
                _externalPort = int.Parse(address[(address.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                _externalRuntimeApi.TrySetResult(address);
            }, _log, _stopping.Token);
            _all[environment] = true;
            Count(ref _coldStarts, LambdaMetrics.ColdStarts);
            _idle.Add(environment);
            SignalFreed();
            _externalReady.TrySetResult();
            // Resolve the command of further environments now, off the first cold start's path.
            _ = CommandAsync(_stopping.Token);
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
    }

    /// <summary>The process ids of the environments alive now, where the platform tells them.</summary>
    public IReadOnlyList<int> ProcessIds => _all.Keys.Select(environment => environment.ProcessId).OfType<int>().ToList();

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

    private Task<ChildProcessSpec> CommandAsync(CancellationToken cancellationToken)
    {
        var resolved = Volatile.Read(ref _resolvedCommand);
        if (resolved is null || resolved.IsFaulted || resolved.IsCanceled)
        {
            resolved = _command(cancellationToken);
            Volatile.Write(ref _resolvedCommand, resolved);
        }
        return resolved;
    }

    private ExecutionEnvironment? TakeIdle()
    {
        while (_idle.TryTake(out var environment))
        {
            if (!environment.IsDead && !environment.Exited.IsCompleted)
            {
                return environment;
            }
            _ = DiscardAsync(environment);
        }
        return null;
    }

    private bool AtReservedConcurrency => Settings.ReservedConcurrency is { } reserved && Volatile.Read(ref _reserved) >= reserved;

    /// <summary>
    /// Waits, at most the function's timeout, until an environment is idle (returned) or one may be
    /// started (a slot is reserved); neither when the wait ran out.
    /// </summary>
    private async Task<(ExecutionEnvironment? Idle, bool Reserved)> WaitForEnvironmentAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + Settings.Timeout;
        Interlocked.Increment(ref _waiting);
        try
        {
            return await WaitUntilAsync(deadline, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    private async Task<(ExecutionEnvironment? Idle, bool Reserved)> WaitUntilAsync(DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            var freed = Volatile.Read(ref _freed).Task;
            if (TakeIdle() is { } idle)
            {
                return (idle, false);
            }
            if (TryReserve())
            {
                return (null, true);
            }
            var remaining = deadline - DateTimeOffset.UtcNow;
            if (remaining <= TimeSpan.Zero || Volatile.Read(ref _disposed) != 0)
            {
                return (null, false);
            }
            await Task.WhenAny(freed, Task.Delay(remaining, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
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
        if (_all.TryRemove(environment, out var external))
        {
            Interlocked.Decrement(ref _reserved);
            SignalFreed();
            await environment.DisposeAsync();
            if (external)
            {
                _ = RunExternalEnvironmentAsync(relaunch: true);
            }
        }
    }
}
