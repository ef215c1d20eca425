using System.ComponentModel.DataAnnotations;

namespace AppHost.Dashboard.Telemetry;

/// <summary>How much telemetry the dashboard keeps in memory; the oldest goes first.</summary>
public sealed class TelemetryLimits
{
    [Range(1, 10_000_000)]
    public int MaxSpans { get; set; } = 10_000;

    [Range(1, 10_000_000)]
    public int MaxLogRecords { get; set; } = 10_000;

    [Range(1, 10_000_000)]
    public int MaxMetricPoints { get; set; } = 50_000;
}
