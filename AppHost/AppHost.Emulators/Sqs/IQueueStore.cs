namespace AppHost.Emulators.Sqs;

/// <summary>
/// Where the emulator keeps its queues (each with its messages and their state). The emulator only reaches
/// queues through this interface, so an on-disk store that survives restarts can replace
/// <see cref="InMemoryQueueStore"/> without touching the protocol side.
/// </summary>
public interface IQueueStore
{
    /// <summary>Adds the queue unless one of that name exists; returns the queue stored under the name either way.</summary>
    SqsQueue GetOrAdd(SqsQueue queue);

    /// <summary>The queue of that name, or null.</summary>
    SqsQueue? Find(string name);

    /// <summary>Removes the queue of that name; false when there was none.</summary>
    bool Remove(string name);

    /// <summary>Every queue, in no particular order.</summary>
    IReadOnlyCollection<SqsQueue> All();
}

/// <summary>Queues kept in memory for as long as the emulator runs.</summary>
public sealed class InMemoryQueueStore : IQueueStore
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SqsQueue> _queues = new(StringComparer.Ordinal);

    public SqsQueue GetOrAdd(SqsQueue queue) => _queues.GetOrAdd(queue.Name, queue);

    public SqsQueue? Find(string name) => _queues.GetValueOrDefault(name);

    public bool Remove(string name) => _queues.TryRemove(name, out _);

    public IReadOnlyCollection<SqsQueue> All() => [.. _queues.Values];
}
