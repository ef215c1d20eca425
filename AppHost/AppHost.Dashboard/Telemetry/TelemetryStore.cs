namespace AppHost.Dashboard.Telemetry;

/// <summary>
/// The telemetry received, bounded per signal by <see cref="TelemetryLimits"/>: once a signal is at
/// its cap every new item evicts the oldest, so memory stays flat under a flood.
/// </summary>
public sealed class TelemetryStore(TelemetryLimits limits)
{
    private readonly BoundedLog<SpanRecord> _spans = new(limits.MaxSpans);
    private readonly BoundedLog<LogRecord> _logs = new(limits.MaxLogRecords);
    private readonly BoundedLog<MetricPoint> _points = new(limits.MaxMetricPoints);

    public TelemetryLimits Limits { get; } = limits;

    public int SpanCount => _spans.Count;

    public int LogCount => _logs.Count;

    public int MetricPointCount => _points.Count;

    public void AddSpans(IEnumerable<SpanRecord> spans) => _spans.AddRange(spans);

    public void AddLogs(IEnumerable<LogRecord> logs) => _logs.AddRange(logs);

    public void AddMetricPoints(IEnumerable<MetricPoint> points) => _points.AddRange(points);

    /// <summary>Every span kept, oldest first.</summary>
    public IReadOnlyList<SpanRecord> Spans() => _spans.Snapshot();

    public IReadOnlyList<LogRecord> Logs() => _logs.Snapshot();

    public IReadOnlyList<MetricPoint> MetricPoints() => _points.Snapshot();

    private sealed class BoundedLog<T>(int capacity)
    {
        private readonly Queue<T> _items = new();
        private readonly Lock _gate = new();

        public int Count
        {
            get
            {
                lock (_gate)
                {
                    return _items.Count;
                }
            }
        }

        public void AddRange(IEnumerable<T> items)
        {
            lock (_gate)
            {
                foreach (var item in items)
                {
                    if (_items.Count == capacity)
                    {
                        _items.Dequeue();
                    }
                    _items.Enqueue(item);
                }
            }
        }

        public IReadOnlyList<T> Snapshot()
        {
            lock (_gate)
            {
                return [.. _items];
            }
        }
    }
}
