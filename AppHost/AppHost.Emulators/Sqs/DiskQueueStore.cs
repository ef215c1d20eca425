using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace AppHost.Emulators.Sqs;

/// <summary>
/// Queues kept on disk, in a journal (<c>queues.jsonl</c>, one JSON line per change) that survives the
/// emulator's process: each line is handed to the operating system before the request that made the change
/// is answered, so a killed process loses nothing it acknowledged (<see cref="SqsOptions.FlushToDisk"/> also
/// waits for the disk, for a machine that loses power). When the emulator starts, the journal is replayed
/// and rewritten as the live state alone; so is it whenever it outgrows <see cref="SqsOptions.CompactJournalAtBytes"/>.
/// </summary>
internal sealed class DiskQueueStore : IQueueStore, IQueueJournal, IDisposable
{
    internal const string JournalFileName = "queues.jsonl";

    private readonly ConcurrentDictionary<string, SqsQueue> _queues = new(StringComparer.Ordinal);
    private readonly Lock _writing = new();
    private readonly string _path;
    private readonly bool _flushToDisk;
    private readonly long _compactAtBytes;
    private readonly Action<string> _log;
    private FileStream? _journal;
    private int _compacting;

    public DiskQueueStore(string directory, bool flushToDisk, long compactAtBytes, Action<string>? log)
    {
        Directory.CreateDirectory(directory);
        _path = Path.Combine(directory, JournalFileName);
        _flushToDisk = flushToDisk;
        _compactAtBytes = compactAtBytes;
        _log = log ?? (_ => { });
    }

    /// <summary>
    /// Replays the journal into queues with the URLs and ARNs the emulator gives them now, then rewrites it
    /// as their state. A line cut short by a kill (the last) is left out; any other line that cannot be read
    /// stops the start with the file and the line.
    /// </summary>
    public void Load(Func<string, Uri> urlOf, Func<string, string> arnOf, TimeProvider time)
    {
        var replay = new JournalReplay();
        if (File.Exists(_path))
        {
            var lines = File.ReadAllLines(_path, Encoding.UTF8);
            for (var index = 0; index < lines.Length; index++)
            {
                if (lines[index].Length == 0)
                {
                    continue;
                }
                QueueJournalEntry? entry;
                try
                {
                    entry = JsonSerializer.Deserialize(lines[index], QueueJournalJsonContext.Default.QueueJournalEntry);
                }
                catch (JsonException failure) when (index == lines.Length - 1)
                {
                    _log($"{_path}: line {index + 1}, the last, is incomplete (the process stopped while writing it) and is left out: {failure.Message}");
                    continue;
                }
                catch (JsonException failure)
                {
                    throw new InvalidDataException($"{_path}: line {index + 1} of {lines.Length} is not a journal entry ({failure.Message}). Move the file away to start with no queues.", failure);
                }
                replay.Apply(entry ?? throw new InvalidDataException($"{_path}: line {index + 1} is empty JSON."));
            }
        }
        foreach (var queue in replay.Queues(urlOf, arnOf, time))
        {
            queue.AttachJournal(this);
            _queues[queue.Name] = queue;
        }
        Compact();
        if (!_queues.IsEmpty)
        {
            _log($"{_queues.Count} queue(s) and their messages restored from {_path}");
        }
    }

    public SqsQueue GetOrAdd(SqsQueue queue)
    {
        lock (_writing)
        {
            if (_queues.TryGetValue(queue.Name, out var existing))
            {
                return existing;
            }
            // Journaled before anyone can find it: a writer to it would hold its lock and wait for this one.
            queue.AttachJournal(this);
            WriteLine(queue.Snapshot()[0]);
            _queues[queue.Name] = queue;
            return queue;
        }
    }

    public SqsQueue? Find(string name) => _queues.GetValueOrDefault(name);

    public bool Remove(string name)
    {
        lock (_writing)
        {
            if (!_queues.TryRemove(name, out _))
            {
                return false;
            }
            WriteLine(new QueueJournalEntry(QueueJournalEntry.DropOp, name));
            return true;
        }
    }

    public IReadOnlyCollection<SqsQueue> All() => [.. _queues.Values];

    public void Write(QueueJournalEntry entry)
    {
        bool outgrown;
        lock (_writing)
        {
            WriteLine(entry);
            outgrown = _journal!.Length > _compactAtBytes;
        }
        if (outgrown && Interlocked.CompareExchange(ref _compacting, 1, 0) == 0)
        {
            // Not on the writer's thread: it holds its queue's lock, and a snapshot takes every queue's.
            _ = Task.Run(() =>
            {
                try
                {
                    Compact();
                }
                finally
                {
                    Volatile.Write(ref _compacting, 0);
                }
            });
        }
    }

    public void Dispose()
    {
        lock (_writing)
        {
            _journal?.Dispose();
            _journal = null;
        }
    }

    /// <summary>
    /// Rewrites the journal as the queues' state. Writes go on meanwhile: they are appended to the journal
    /// being replaced and, once the snapshot is written, copied after it; every entry sets state to what it
    /// is, so one that the snapshot already holds changes nothing when replayed after it.
    /// </summary>
    private void Compact()
    {
        var next = _path + ".next";
        long copiedUpTo;
        lock (_writing)
        {
            _journal?.Flush(_flushToDisk);
            copiedUpTo = _journal?.Length ?? 0;
        }
        using (var snapshot = new FileStream(next, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (var queue in _queues.Values)
            {
                foreach (var entry in queue.Snapshot())
                {
                    WriteLine(snapshot, entry);
                }
            }
            lock (_writing)
            {
                // What was written while the snapshot was taken, after it.
                if (_journal is not null && _journal.Length > copiedUpTo)
                {
                    using var journal = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                    journal.Position = copiedUpTo;
                    journal.CopyTo(snapshot);
                }
                snapshot.Flush(flushToDisk: true);
                snapshot.Close();
                _journal?.Dispose();
                File.Move(next, _path, overwrite: true);
                _journal = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
            }
        }
    }

    private void WriteLine(QueueJournalEntry entry)
    {
        _journal ??= new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
        WriteLine(_journal, entry);
        _journal.Flush(_flushToDisk);
    }

    private static void WriteLine(FileStream stream, QueueJournalEntry entry)
    {
        var line = JsonSerializer.SerializeToUtf8Bytes(entry, QueueJournalJsonContext.Default.QueueJournalEntry);
        var bytes = new byte[line.Length + 1];
        line.CopyTo(bytes, 0);
        bytes[^1] = (byte)'\n';
        stream.Write(bytes);
    }

    /// <summary>The queues' state, entry after entry.</summary>
    private sealed class JournalReplay
    {
        private readonly Dictionary<string, ReplayedQueue> _queues = new(StringComparer.Ordinal);

        public void Apply(QueueJournalEntry entry)
        {
            if (entry.Op == QueueJournalEntry.QueueOp)
            {
                if (!_queues.TryGetValue(entry.Queue, out var existing))
                {
                    _queues[entry.Queue] = existing = new ReplayedQueue();
                }
                existing.State = entry.State;
                return;
            }
            if (entry.Op == QueueJournalEntry.DropOp)
            {
                _queues.Remove(entry.Queue);
                return;
            }
            if (!_queues.TryGetValue(entry.Queue, out var queue))
            {
                // A change to a queue deleted later in the same session, replayed after its drop was compacted away.
                return;
            }
            switch (entry.Op)
            {
                case QueueJournalEntry.PutOp:
                    queue.Messages[entry.Message!.Id] = entry.Message;
                    break;
                case QueueJournalEntry.RemoveOp:
                    queue.Messages.Remove(entry.Id!);
                    break;
                case QueueJournalEntry.PurgeOp:
                    queue.Messages.Clear();
                    break;
                case QueueJournalEntry.DeduplicationOp:
                    queue.Deduplication[entry.DeduplicationKey!] = (entry.Id!, entry.SequenceNumber!, entry.Until!.Value);
                    break;
                default:
                    throw new InvalidDataException($"Unknown journal entry '{entry.Op}' for queue '{entry.Queue}'.");
            }
        }

        public IEnumerable<SqsQueue> Queues(Func<string, Uri> urlOf, Func<string, string> arnOf, TimeProvider time)
        {
            var now = time.GetUtcNow();
            return _queues.Where(queue => queue.Value.State is not null).Select(queue => SqsQueue.Restored(
                queue.Key, urlOf(queue.Key), arnOf(queue.Key), queue.Value.State!,
                queue.Value.Messages.Values.Select(message => message.ToStored()),
                queue.Value.Deduplication.Where(entry => entry.Value.Until > now).Select(entry => (entry.Key, entry.Value.MessageId, entry.Value.SequenceNumber, entry.Value.Until)),
                time));
        }
    }

    private sealed class ReplayedQueue
    {
        public JournalQueueState? State { get; set; }

        public Dictionary<string, JournalMessage> Messages { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, (string MessageId, string SequenceNumber, DateTimeOffset Until)> Deduplication { get; } = new(StringComparer.Ordinal);
    }
}
