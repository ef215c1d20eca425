namespace AppHost.Emulators.Lambda;

/// <summary>
/// The machine's environment inits that may run at once (one per core, across every function), handed
/// out by priority rather than by arrival: an init an invocation waits for goes first, then those of the
/// functions invoked most recently. After a save in a shared project every function's new code starts
/// at once, and the function taking traffic should not wait behind the idle ones.
/// </summary>
internal sealed class InitSlots(int slots)
{
    /// <summary>The priority of an init that an invocation is waiting for.</summary>
    public const long InvocationWaiting = long.MaxValue;

    private readonly Lock _gate = new();
    private readonly List<Waiter> _waiting = [];
    private int _free = slots;
    private long _arrivals;

    /// <summary>The machine's slots: one per core.</summary>
    public static InitSlots Machine { get; } = new(Math.Max(1, Environment.ProcessorCount));

    /// <summary>Waits for a slot; among waiters, a higher <paramref name="priority"/> goes first, then the earlier arrival.</summary>
    public async Task<Slot> TakeAsync(long priority, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_gate)
        {
            if (_free > 0 && _waiting.Count == 0)
            {
                _free--;
                return new Slot(this);
            }
            waiter = new Waiter(priority, _arrivals++);
            _waiting.Add(waiter);
        }
        await using (cancellationToken.Register(() => Abandon(waiter, cancellationToken)))
        {
            await waiter.Given.Task;
        }
        return new Slot(this);
    }

    private void Abandon(Waiter waiter, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_waiting.Remove(waiter))
            {
                waiter.Given.TrySetCanceled(cancellationToken);
            }
        }
    }

    private void Release()
    {
        lock (_gate)
        {
            if (_waiting.Count == 0)
            {
                _free++;
                return;
            }
            var next = _waiting.MaxBy(waiter => (waiter.Priority, -waiter.Arrival))!;
            _waiting.Remove(next);
            next.Given.TrySetResult();
        }
    }

    /// <summary>A slot held until disposed.</summary>
    public sealed class Slot(InitSlots owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release();
            }
        }
    }

    private sealed class Waiter(long priority, long arrival)
    {
        public long Priority { get; } = priority;

        public long Arrival { get; } = arrival;

        public TaskCompletionSource Given { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
