namespace AppHost.Dashboard.Telemetry;

/// <summary>A link from a span to a span of another (or the same) trace.</summary>
public sealed record SpanLink(string TraceId, string SpanId);

/// <summary>One span as received over OTLP; times are Unix nanoseconds.</summary>
public sealed record SpanRecord(
    string Service,
    string Scope,
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    int Kind,
    ulong StartTimeUnixNano,
    ulong EndTimeUnixNano,
    int StatusCode,
    string StatusMessage,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<SpanLink> Links)
{
    /// <summary>OTLP's <c>STATUS_CODE_ERROR</c>.</summary>
    public bool IsError => StatusCode == 2;

    public double DurationMs => EndTimeUnixNano > StartTimeUnixNano ? (EndTimeUnixNano - StartTimeUnixNano) / 1_000_000.0 : 0;
}

/// <summary>One log record as received over OTLP.</summary>
public sealed record LogRecord(
    string Service,
    string Scope,
    ulong TimeUnixNano,
    int SeverityNumber,
    string SeverityText,
    string Body,
    string TraceId,
    string SpanId,
    IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>The level name for the severity number, as OpenTelemetry's ranges define it.</summary>
    public string Level => LevelOf(SeverityNumber);

    public static string LevelOf(int severityNumber) => severityNumber switch
    {
        >= 21 => "Critical",
        >= 17 => "Error",
        >= 13 => "Warning",
        >= 9 => "Information",
        >= 5 => "Debug",
        >= 1 => "Trace",
        _ => "Unspecified",
    };

    /// <summary>The lowest severity number of a level name (<c>Warning</c> → 13); null when unknown.</summary>
    public static int? MinimumSeverityOf(string level) => level.ToUpperInvariant() switch
    {
        "TRACE" => 1,
        "DEBUG" => 5,
        "INFORMATION" or "INFO" => 9,
        "WARNING" or "WARN" => 13,
        "ERROR" => 17,
        "CRITICAL" or "FATAL" => 21,
        _ => null,
    };
}

/// <summary>
/// One metric data point: the value of a gauge or sum, or for histograms and summaries the sum of
/// the recorded values with their count.
/// </summary>
public sealed record MetricPoint(
    string Service,
    string Scope,
    string Name,
    string Unit,
    string Description,
    string Type,
    ulong TimeUnixNano,
    double Value,
    ulong? Count,
    IReadOnlyDictionary<string, string> Attributes);

/// <summary>What one OTLP export request carried.</summary>
internal sealed class TelemetryBatch
{
    public List<SpanRecord> Spans { get; } = [];

    public List<LogRecord> Logs { get; } = [];

    public List<MetricPoint> Points { get; } = [];
}
