using System.Text.Json;
using System.Text.Json.Nodes;

namespace AppHost.Emulators.EventSources;

/// <summary>A batch an event source mapping gave up on, with its records: the local on-failure destination.</summary>
public sealed record FailedBatch(
    DateTimeOffset Time,
    string Function,
    string EventSourceArn,
    string ShardId,
    string StartSequenceNumber,
    string EndSequenceNumber,
    int BatchSize,
    string Condition,
    string Reason,
    JsonArray Records);

/// <summary>
/// Failed batches, kept in memory (the newest 100) and appended to a JSON Lines file so they survive
/// a restart and can be replayed by hand.
/// </summary>
public sealed class FailedBatchStore(string? filePath)
{
    private const int Capacity = 100;
    private readonly LinkedList<FailedBatch> _recent = new();
    private readonly Lock _gate = new();

    public string? FilePath { get; } = filePath;

    public IReadOnlyList<FailedBatch> Recent
    {
        get
        {
            lock (_gate)
            {
                return _recent.ToList();
            }
        }
    }

    public void Add(FailedBatch batch)
    {
        lock (_gate)
        {
            _recent.AddLast(batch);
            if (_recent.Count > Capacity)
            {
                _recent.RemoveFirst();
            }
            if (FilePath is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(FilePath))!);
                File.AppendAllText(FilePath, JsonSerializer.Serialize(batch, JsonSerializerOptions.Web) + "\n");
            }
        }
    }
}
