using System.Collections.Concurrent;
using System.Diagnostics;

namespace PlatformBench;

/// <summary>An id a probe found, and when it arrived by the data's own clock (null when the data does not tell).</summary>
internal sealed record Arrival(string Id, DateTimeOffset? At);

/// <summary>
/// Watches ids until a probe finds them (a match stored, a match applied). An id's latency runs from when it was
/// handed over to when it arrived: the time the probe read with it, else the midpoint between the last probe that
/// did not find it and the first that did. Probes run every interval while the senders run, and afterwards until
/// every id is found or the patience runs out.
/// </summary>
internal sealed class ArrivalWatcher(Func<IReadOnlyList<string>, Task<List<Arrival>>> probe, TimeSpan interval, TimeSpan patience)
{
    /// <summary>The same instant on both clocks, to place a <see cref="Stopwatch"/> timestamp in wall-clock time.</summary>
    private readonly (long Timestamp, DateTimeOffset Wall) _origin = (Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow);

    private readonly ConcurrentDictionary<string, long> _pending = new();
    private readonly ConcurrentDictionary<string, long> _lastUnseen = new();
    private readonly ConcurrentBag<(long HandedOver, double Milliseconds)> _latencies = [];
    private long _sendingStoppedAt;

    /// <summary>The latencies of the ids found, in milliseconds.</summary>
    public IReadOnlyCollection<double> Latencies => [.. _latencies.Select(latency => latency.Milliseconds)];

    /// <summary>The 95th percentile of the latencies of the ids handed over in each <paramref name="window"/> since <paramref name="start"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public IReadOnlyList<double> P95ByWindow(long start, TimeSpan window) =>
        [.. _latencies
            .GroupBy(latency => (int)(Stopwatch.GetElapsedTime(start, latency.HandedOver) / window))
            .OrderBy(group => group.Key)
            .Select(group => Stats.Percentile([.. group.Select(latency => latency.Milliseconds)], 95))];

    /// <summary>How many ids arrived in each second since <paramref name="start"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public IReadOnlyList<int> ArrivalsBySecond(long start)
    {
        var seconds = _latencies
            .Select(latency => (int)Math.Floor((Stopwatch.GetElapsedTime(start, latency.HandedOver).TotalMilliseconds + latency.Milliseconds) / 1000))
            .Where(second => second >= 0)
            .ToList();
        var counts = new int[seconds.Count == 0 ? 0 : seconds.Max() + 1];
        foreach (var second in seconds)
        {
            counts[second]++;
        }
        return counts;
    }

    /// <summary>The ids not found (yet).</summary>
    public int Pending => _pending.Count;

    /// <summary>Watches <paramref name="id"/>, handed over at <paramref name="since"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public void Watch(string id, long since) => _pending.TryAdd(id, since);

    /// <summary>Says the senders are done: probing goes on until every id is found or the patience runs out.</summary>
    public void SendingStopped() => Volatile.Write(ref _sendingStoppedAt, Stopwatch.GetTimestamp());

    public async Task RunAsync()
    {
        while (true)
        {
            var started = Stopwatch.GetTimestamp();
            var outstanding = _pending.Keys.ToList();
            if (outstanding.Count > 0)
            {
                var found = await probe(outstanding);
                foreach (var (id, arrivedAt) in found)
                {
                    if (_pending.TryRemove(id, out var handedOver))
                    {
                        var before = _lastUnseen.TryRemove(id, out var unseen) ? Math.Max(unseen, handedOver) : handedOver;
                        _latencies.Add((handedOver, arrivedAt is { } at
                            ? (at - (_origin.Wall + Stopwatch.GetElapsedTime(_origin.Timestamp, handedOver))).TotalMilliseconds
                            : Stopwatch.GetElapsedTime(handedOver, (before + started) / 2).TotalMilliseconds));
                    }
                }
                foreach (var id in outstanding.Except(found.Select(arrival => arrival.Id)))
                {
                    _lastUnseen[id] = started;
                }
            }
            var stoppedAt = Volatile.Read(ref _sendingStoppedAt);
            if (stoppedAt != 0 && (_pending.IsEmpty || Stopwatch.GetElapsedTime(stoppedAt) > patience))
            {
                return;
            }
            var wait = interval - Stopwatch.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
        }
    }
}
