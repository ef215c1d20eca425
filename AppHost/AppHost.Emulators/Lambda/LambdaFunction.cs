using System.Collections.Concurrent;

namespace AppHost.Emulators.Lambda;

/// <summary>
/// A function's execution environments. An invocation takes an idle environment, or starts a new
/// one (a cold start) while fewer than <see cref="LambdaFunctionSettings.MaxConcurrency"/> exist;
/// beyond that it is throttled. Environments that timed out or crashed are discarded.
/// </summary>
public sealed class LambdaFunction : IAsyncDisposable
{
    private readonly ConcurrentBag<ExecutionEnvironment> _idle = [];
    private readonly ConcurrentDictionary<ExecutionEnvironment, byte> _all = new();
    private readonly Action<string> _log;
    private int _reserved;
    private int _disposed;
    private int _active;
    private long _invocations;
    private long _coldStarts;
    private long _throttles;
    private long _errors;

    public LambdaFunction(LambdaFunctionSettings settings, Action<string>? log = null)
    {
        Settings = settings;
        _log = log ?? (_ => { });
    }

    public LambdaFunctionSettings Settings { get; }

    /// <summary>Environments alive now (busy, idle or starting).</summary>
    public int EnvironmentCount => Volatile.Read(ref _reserved);

    /// <summary>Invocations running now (each holds one environment).</summary>
    public int ActiveInvocations => Volatile.Read(ref _active);

    /// <summary>Invocations so far, cold starts among them, and throttled requests.</summary>
    public (long Invocations, long ColdStarts, long Throttles, long Errors) Counters =>
        (Interlocked.Read(ref _invocations), Interlocked.Read(ref _coldStarts), Interlocked.Read(ref _throttles), Interlocked.Read(ref _errors));

    /// <summary>Runs one invocation; never throws for function failures, which come back as results.</summary>
    public async Task<InvocationResult> InvokeAsync(LambdaInvocationRequest request, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Interlocked.Increment(ref _active);
        var environment = TakeIdle();
        if (environment is null)
        {
            if (!TryReserve())
            {
                Interlocked.Decrement(ref _active);
                Interlocked.Increment(ref _throttles);
                return new InvocationResult(Guid.NewGuid().ToString(), InvocationStatus.Throttled, [], "", false, TimeSpan.Zero);
            }
            try
            {
                environment = await ExecutionEnvironment.StartAsync(Settings, _log, cancellationToken);
                _all[environment] = 0;
                Interlocked.Increment(ref _coldStarts);
            }
            catch (FunctionInitException failure)
            {
                Interlocked.Decrement(ref _active);
                Interlocked.Decrement(ref _reserved);
                Interlocked.Increment(ref _invocations);
                Interlocked.Increment(ref _errors);
                _log($"INIT_REPORT Status: error\tError Type: {failure.ErrorType}");
                return new InvocationResult(Guid.NewGuid().ToString(), InvocationStatus.FunctionError,
                    InvocationResult.ErrorBody(failure.ErrorType, failure.Message), failure.LastOutput, true, TimeSpan.Zero);
            }
            catch
            {
                Interlocked.Decrement(ref _active);
                Interlocked.Decrement(ref _reserved);
                throw;
            }
        }

        Interlocked.Increment(ref _invocations);
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
        if (result.Status == InvocationStatus.FunctionError)
        {
            Interlocked.Increment(ref _errors);
        }
        if (environment.IsDead || Volatile.Read(ref _disposed) != 0)
        {
            await DiscardAsync(environment);
        }
        else
        {
            _idle.Add(environment);
        }
        return result;
    }

    /// <summary>
    /// Starts one environment ahead of traffic and leaves it idle, so init failures surface at start
    /// and the first request is warm. Throws <see cref="FunctionInitException"/> when init fails.
    /// </summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken = default)
    {
        if (!TryReserve())
        {
            return;
        }
        try
        {
            var environment = await ExecutionEnvironment.StartAsync(Settings, _log, cancellationToken);
            _all[environment] = 0;
            Interlocked.Increment(ref _coldStarts);
            _idle.Add(environment);
        }
        catch
        {
            Interlocked.Decrement(ref _reserved);
            throw;
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
        await Task.WhenAll(_all.Keys.Select(environment => environment.DisposeAsync().AsTask()));
        _all.Clear();
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

    private bool TryReserve()
    {
        while (true)
        {
            var current = Volatile.Read(ref _reserved);
            if (current >= Settings.MaxConcurrency)
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
        if (_all.TryRemove(environment, out _))
        {
            Interlocked.Decrement(ref _reserved);
            await environment.DisposeAsync();
        }
    }
}
