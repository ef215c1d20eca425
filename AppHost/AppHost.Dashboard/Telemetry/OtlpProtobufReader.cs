using System.Globalization;

namespace AppHost.Dashboard.Telemetry;

/// <summary>
/// Reads OTLP export requests (<c>ExportTraceServiceRequest</c>, <c>ExportLogsServiceRequest</c>,
/// <c>ExportMetricsServiceRequest</c>) from the protobuf wire format, by the field numbers of the
/// public opentelemetry-proto definitions. Unknown fields are skipped, as protobuf requires.
/// </summary>
internal static class OtlpProtobufReader
{
    private delegate void ItemReader(string service, string scope, ReadOnlySpan<byte> item, TelemetryBatch batch);

    public static TelemetryBatch ReadTraces(ReadOnlySpan<byte> request) =>
        ReadExportRequest(request, (service, scope, item, batch) => batch.Spans.Add(ReadSpan(service, scope, item)));

    public static TelemetryBatch ReadLogs(ReadOnlySpan<byte> request) =>
        ReadExportRequest(request, (service, scope, item, batch) => batch.Logs.Add(ReadLogRecord(service, scope, item)));

    public static TelemetryBatch ReadMetrics(ReadOnlySpan<byte> request) =>
        ReadExportRequest(request, (service, scope, item, batch) => ReadMetric(service, scope, item, batch.Points));

    /// <summary>
    /// The three export requests share one shape: resource entries in field 1 (ResourceSpans,
    /// ResourceLogs, ResourceMetrics: resource = 1, scope entries = 2), each scope entry holding its
    /// scope in field 1 and the items (spans, log records, metrics) in field 2.
    /// </summary>
    private static TelemetryBatch ReadExportRequest(ReadOnlySpan<byte> request, ItemReader readItem)
    {
        var batch = new TelemetryBatch();
        ForEachLengthDelimited(request, 1, resource =>
        {
            var service = ReadService(resource);
            ForEachLengthDelimited(resource, 2, scopeEntry =>
            {
                var scope = ReadScopeName(scopeEntry);
                ForEachLengthDelimited(scopeEntry, 2, item => readItem(service, scope, item, batch));
            });
        });
        return batch;
    }

    private delegate void FieldVisitor(ReadOnlySpan<byte> value);

    /// <summary>Visits the length-delimited occurrences of one field in place, skipping every other field.</summary>
    private static void ForEachLengthDelimited(ReadOnlySpan<byte> message, int fieldNumber, FieldVisitor visit)
    {
        var reader = new ProtoReader(message);
        while (reader.Next())
        {
            if (reader.FieldNumber == fieldNumber && reader.WireType == WireType.LengthDelimited)
            {
                visit(reader.ReadBytes());
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private static SpanRecord ReadSpan(string service, string scope, ReadOnlySpan<byte> message)
    {
        string traceId = "", spanId = "", parent = "", name = "", statusMessage = "";
        int kind = 0, statusCode = 0;
        ulong start = 0, end = 0;
        var attributes = new Dictionary<string, string>();
        var links = new List<SpanLink>();
        var reader = new ProtoReader(message);
        while (reader.Next())
        {
            switch (reader.FieldNumber)
            {
                case 1: traceId = Convert.ToHexStringLower(reader.ReadBytes()); break;
                case 2: spanId = Convert.ToHexStringLower(reader.ReadBytes()); break;
                case 4: parent = Convert.ToHexStringLower(reader.ReadBytes()); break;
                case 5: name = reader.ReadString(); break;
                case 6: kind = (int)reader.ReadVarint(); break;
                case 7: start = reader.ReadUInt64(); break;
                case 8: end = reader.ReadUInt64(); break;
                case 9: ReadKeyValue(reader.ReadBytes(), attributes); break;
                case 13: links.Add(ReadLink(reader.ReadBytes())); break;
                case 15: (statusCode, statusMessage) = ReadStatus(reader.ReadBytes()); break;
                default: reader.Skip(); break;
            }
        }
        if (traceId.Length != 32 || spanId.Length != 16)
        {
            throw new InvalidDataException($"Span '{name}' has no valid trace id and span id.");
        }
        return new SpanRecord(service, scope, traceId, spanId, parent, name, kind, start, end, statusCode, statusMessage, attributes, links);
    }

    private static SpanLink ReadLink(ReadOnlySpan<byte> message)
    {
        string traceId = "", spanId = "";
        var reader = new ProtoReader(message);
        while (reader.Next())
        {
            switch (reader.FieldNumber)
            {
                case 1: traceId = Convert.ToHexStringLower(reader.ReadBytes()); break;
                case 2: spanId = Convert.ToHexStringLower(reader.ReadBytes()); break;
                default: reader.Skip(); break;
            }
        }
        return new SpanLink(traceId, spanId);
    }

    // Status: message = 2, code = 3.
    private static (int Code, string Message) ReadStatus(ReadOnlySpan<byte> message)
    {
        int code = 0;
        var text = "";
        var reader = new ProtoReader(message);
        while (reader.Next())
        {
            switch (reader.FieldNumber)
            {
                case 2: text = reader.ReadString(); break;
                case 3: code = (int)reader.ReadVarint(); break;
                default: reader.Skip(); break;
            }
        }
        return (code, text);
    }

    private static LogRecord ReadLogRecord(string service, string scope, ReadOnlySpan<byte> message)
    {
        ulong time = 0, observed = 0;
        int severity = 0;
        string severityText = "", body = "", traceId = "", spanId = "";
        var attributes = new Dictionary<string, string>();
        var reader = new ProtoReader(message);
        while (reader.Next())
        {
            switch (reader.FieldNumber)
            {
                case 1: time = reader.ReadUInt64(); break;
                case 2: severity = (int)reader.ReadVarint(); break;
                case 3: severityText = reader.ReadString(); break;
                case 5: body = ReadAnyValue(reader.ReadBytes()); break;
                case 6: ReadKeyValue(reader.ReadBytes(), attributes); break;
                case 9: traceId = Convert.ToHexStringLower(reader.ReadBytes()); break;
                case 10: spanId = Convert.ToHexStringLower(reader.ReadBytes()); break;
                case 11: observed = reader.ReadUInt64(); break;
                default: reader.Skip(); break;
            }
        }
        return new LogRecord(service, scope, time != 0 ? time : observed, severity, severityText, body, traceId, spanId, attributes);
    }

    private static void ReadMetric(string service, string scope, ReadOnlySpan<byte> message, List<MetricPoint> points)
    {
        string name = "", description = "", unit = "";
        var reader = new ProtoReader(message);
        while (reader.Next())
        {
            switch (reader.FieldNumber)
            {
                case 1: name = reader.ReadString(); break;
                case 2: description = reader.ReadString(); break;
                case 3: unit = reader.ReadString(); break;
                default: reader.Skip(); break;
            }
        }
        reader = new ProtoReader(message);
        while (reader.Next())
        {
            var type = reader.FieldNumber switch
            {
                5 => "gauge",
                7 => "sum",
                9 => "histogram",
                10 => "exponentialHistogram",
                11 => "summary",
                _ => null,
            };
            if (type is null || reader.WireType != WireType.LengthDelimited)
            {
                reader.Skip();
                continue;
            }
            var data = new ProtoReader(reader.ReadBytes());
            while (data.Next())
            {
                if (data.FieldNumber == 1 && data.WireType == WireType.LengthDelimited)
                {
                    var (time, value, count, attributes) = ReadDataPoint(type, data.ReadBytes());
                    points.Add(new MetricPoint(service, scope, name, unit, description, type, time, value, count, attributes));
                }
                else
                {
                    data.Skip();
                }
            }
        }
    }

    // NumberDataPoint: time = 3, as_double = 4, as_int = 6, attributes = 7.
    // HistogramDataPoint: time = 3, count = 4, sum = 5, attributes = 9.
    // ExponentialHistogramDataPoint: attributes = 1, time = 3, count = 4, sum = 5.
    // SummaryDataPoint: time = 3, count = 4, sum = 5, attributes = 7.
    private static (ulong Time, double Value, ulong? Count, Dictionary<string, string> Attributes) ReadDataPoint(string type, ReadOnlySpan<byte> message)
    {
        ulong time = 0;
        double value = 0;
        ulong? count = null;
        var attributes = new Dictionary<string, string>();
        var attributesField = type switch
        {
            "histogram" => 9,
            "exponentialHistogram" => 1,
            _ => 7,
        };
        var isNumber = type is "gauge" or "sum";
        var reader = new ProtoReader(message);
        while (reader.Next())
        {
            if (reader.FieldNumber == attributesField && reader.WireType == WireType.LengthDelimited)
            {
                ReadKeyValue(reader.ReadBytes(), attributes);
                continue;
            }
            switch (reader.FieldNumber)
            {
                case 3: time = reader.ReadUInt64(); break;
                case 4 when isNumber: value = reader.ReadDouble(); break;
                case 6 when isNumber: value = (long)reader.ReadUInt64(); break;
                case 4: count = reader.ReadUInt64(); break;
                case 5 when !isNumber: value = reader.ReadDouble(); break;
                default: reader.Skip(); break;
            }
        }
        return (time, value, count, attributes);
    }

    /// <summary>The <c>service.name</c> attribute of the message's <c>resource</c> (field 1).</summary>
    private static string ReadService(ReadOnlySpan<byte> message)
    {
        var reader = new ProtoReader(message);
        while (reader.Next())
        {
            if (reader.FieldNumber == 1 && reader.WireType == WireType.LengthDelimited)
            {
                var attributes = new Dictionary<string, string>();
                var resource = new ProtoReader(reader.ReadBytes());
                while (resource.Next())
                {
                    if (resource.FieldNumber == 1 && resource.WireType == WireType.LengthDelimited)
                    {
                        ReadKeyValue(resource.ReadBytes(), attributes);
                    }
                    else
                    {
                        resource.Skip();
                    }
                }
                return attributes.GetValueOrDefault("service.name", "unknown_service");
            }
            reader.Skip();
        }
        return "unknown_service";
    }

    /// <summary>The <c>name</c> of the message's <c>InstrumentationScope</c> (field 1).</summary>
    private static string ReadScopeName(ReadOnlySpan<byte> message)
    {
        var reader = new ProtoReader(message);
        while (reader.Next())
        {
            if (reader.FieldNumber == 1 && reader.WireType == WireType.LengthDelimited)
            {
                var scope = new ProtoReader(reader.ReadBytes());
                while (scope.Next())
                {
                    if (scope.FieldNumber == 1)
                    {
                        return scope.ReadString();
                    }
                    scope.Skip();
                }
                return "";
            }
            reader.Skip();
        }
        return "";
    }

    /// <summary>How deeply arrays and key-value lists may nest in an attribute value.</summary>
    private const int MaxValueDepth = 32;

    // KeyValue: key = 1, value = 2 (AnyValue).
    private static void ReadKeyValue(ReadOnlySpan<byte> message, Dictionary<string, string> into, int depth = 0)
    {
        var key = "";
        var value = "";
        var reader = new ProtoReader(message);
        while (reader.Next())
        {
            switch (reader.FieldNumber)
            {
                case 1: key = reader.ReadString(); break;
                case 2: value = ReadAnyValue(reader.ReadBytes(), depth); break;
                default: reader.Skip(); break;
            }
        }
        into[key] = value;
    }

    // AnyValue: string = 1, bool = 2, int = 3, double = 4, array = 5, kvlist = 6, bytes = 7.
    private static string ReadAnyValue(ReadOnlySpan<byte> message, int depth = 0)
    {
        if (depth > MaxValueDepth)
        {
            throw new InvalidDataException($"Attribute values nest deeper than {MaxValueDepth} levels.");
        }
        var reader = new ProtoReader(message);
        while (reader.Next())
        {
            switch (reader.FieldNumber)
            {
                case 1: return reader.ReadString();
                case 2: return reader.ReadVarint() != 0 ? "true" : "false";
                case 3: return ((long)reader.ReadVarint()).ToString(CultureInfo.InvariantCulture);
                case 4: return reader.ReadDouble().ToString(CultureInfo.InvariantCulture);
                case 5: return "[" + string.Join(", ", ReadArray(reader.ReadBytes(), depth + 1)) + "]";
                case 6:
                    var pairs = new Dictionary<string, string>();
                    var list = new ProtoReader(reader.ReadBytes());
                    while (list.Next())
                    {
                        if (list.FieldNumber == 1)
                        {
                            ReadKeyValue(list.ReadBytes(), pairs, depth + 1);
                        }
                        else
                        {
                            list.Skip();
                        }
                    }
                    return "{" + string.Join(", ", pairs.Select(pair => $"{pair.Key}: {pair.Value}")) + "}";
                case 7: return Convert.ToBase64String(reader.ReadBytes());
                default: reader.Skip(); break;
            }
        }
        return "";
    }

    private static List<string> ReadArray(ReadOnlySpan<byte> message, int depth)
    {
        var values = new List<string>();
        var reader = new ProtoReader(message);
        while (reader.Next())
        {
            if (reader.FieldNumber == 1)
            {
                values.Add(ReadAnyValue(reader.ReadBytes(), depth));
            }
            else
            {
                reader.Skip();
            }
        }
        return values;
    }
}
