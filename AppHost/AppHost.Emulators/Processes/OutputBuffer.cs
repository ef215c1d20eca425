namespace AppHost.Emulators.Processes;

/// <summary>The last lines a process wrote, bounded; safe to write and read from any thread.</summary>
public sealed class OutputBuffer(int capacity = 1000)
{
    private readonly Queue<string> _lines = new(capacity);
    private readonly Lock _gate = new();

    public void Add(string line)
    {
        lock (_gate)
        {
            if (_lines.Count == capacity)
            {
                _lines.Dequeue();
            }
            _lines.Enqueue(line);
        }
    }

    /// <summary>Up to <paramref name="count"/> of the most recent lines, oldest first.</summary>
    public IReadOnlyList<string> Tail(int count)
    {
        lock (_gate)
        {
            return _lines.Skip(Math.Max(0, _lines.Count - count)).ToList();
        }
    }
}
