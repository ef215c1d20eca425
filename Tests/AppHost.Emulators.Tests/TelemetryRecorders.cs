using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AppHost.Emulators.Tests;

/// <summary>Records the spans of one activity source that finish while it lives.</summary>
internal sealed class SpanRecorder : IDisposable
{
    private readonly ActivityListener _listener;

    public SpanRecorder(string sourceName)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == sourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => Spans.Add(activity),
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public ConcurrentBag<Activity> Spans { get; } = [];

    public void Dispose() => _listener.Dispose();
}

/// <summary>One measurement of an instrument, with the value of one of its tags.</summary>
internal readonly record struct RecordedMeasurement(string Instrument, double Value, string? Tag);

/// <summary>
/// Records the measurements of one meter's instruments while it lives, as an OpenTelemetry exporter
/// would read them, keeping the value of <c>tagName</c> (when given) with each.
/// </summary>
internal sealed class MeasurementRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly string? _tagName;

    public MeasurementRecorder(string meterName, string? tagName = null)
    {
        _tagName = tagName;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == meterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public ConcurrentQueue<RecordedMeasurement> Measurements { get; } = new();

    /// <summary>Reads the observable instruments (gauges) now.</summary>
    public void RecordObservableInstruments() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? tag = null;
        foreach (var (name, tagValue) in tags)
        {
            if (name == _tagName)
            {
                tag = tagValue as string;
            }
        }
        Measurements.Enqueue(new RecordedMeasurement(instrument.Name, value, tag));
    }
}
