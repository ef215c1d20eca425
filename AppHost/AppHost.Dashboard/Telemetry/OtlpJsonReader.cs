using System.Globalization;
using System.Text.Json;

namespace AppHost.Dashboard.Telemetry;

/// <summary>
/// Reads OTLP/JSON export requests: the protobuf messages in JSON with lowerCamelCase field names,
/// hex trace and span ids, and 64-bit integers as strings or numbers.
/// </summary>
internal static class OtlpJsonReader
{
    public static TelemetryBatch ReadTraces(JsonElement request)
    {
        var batch = new TelemetryBatch();
        foreach (var resourceSpans in Array(request, "resourceSpans"))
        {
            var service = ServiceOf(resourceSpans);
            foreach (var scopeSpans in Array(resourceSpans, "scopeSpans"))
            {
                var scope = ScopeOf(scopeSpans);
                foreach (var span in Array(scopeSpans, "spans"))
                {
                    var traceId = Text(span, "traceId").ToLowerInvariant();
                    var spanId = Text(span, "spanId").ToLowerInvariant();
                    if (traceId.Length != 32 || spanId.Length != 16)
                    {
                        throw new InvalidDataException($"Span '{Text(span, "name")}' has no valid traceId and spanId (hex).");
                    }
                    var status = span.TryGetProperty("status", out var value) && value.ValueKind == JsonValueKind.Object ? value : default;
                    batch.Spans.Add(new SpanRecord(
                        service, scope, traceId, spanId, Text(span, "parentSpanId").ToLowerInvariant(), Text(span, "name"),
                        (int)Number(span, "kind"), Number(span, "startTimeUnixNano"), Number(span, "endTimeUnixNano"),
                        status.ValueKind == JsonValueKind.Object ? (int)Number(status, "code") : 0,
                        status.ValueKind == JsonValueKind.Object ? Text(status, "message") : "",
                        Attributes(span, "attributes"),
                        [.. Array(span, "links").Select(link => new SpanLink(Text(link, "traceId").ToLowerInvariant(), Text(link, "spanId").ToLowerInvariant()))]));
                }
            }
        }
        return batch;
    }

    public static TelemetryBatch ReadLogs(JsonElement request)
    {
        var batch = new TelemetryBatch();
        foreach (var resourceLogs in Array(request, "resourceLogs"))
        {
            var service = ServiceOf(resourceLogs);
            foreach (var scopeLogs in Array(resourceLogs, "scopeLogs"))
            {
                var scope = ScopeOf(scopeLogs);
                foreach (var log in Array(scopeLogs, "logRecords"))
                {
                    var time = Number(log, "timeUnixNano");
                    batch.Logs.Add(new LogRecord(
                        service, scope, time != 0 ? time : Number(log, "observedTimeUnixNano"), (int)Number(log, "severityNumber"),
                        Text(log, "severityText"), log.TryGetProperty("body", out var body) ? AnyValue(body) : "",
                        Text(log, "traceId").ToLowerInvariant(), Text(log, "spanId").ToLowerInvariant(), Attributes(log, "attributes")));
                }
            }
        }
        return batch;
    }

    public static TelemetryBatch ReadMetrics(JsonElement request)
    {
        string[] types = ["gauge", "sum", "histogram", "exponentialHistogram", "summary"];
        var batch = new TelemetryBatch();
        foreach (var resourceMetrics in Array(request, "resourceMetrics"))
        {
            var service = ServiceOf(resourceMetrics);
            foreach (var scopeMetrics in Array(resourceMetrics, "scopeMetrics"))
            {
                var scope = ScopeOf(scopeMetrics);
                foreach (var metric in Array(scopeMetrics, "metrics"))
                {
                    foreach (var type in types)
                    {
                        if (!metric.TryGetProperty(type, out var data))
                        {
                            continue;
                        }
                        var isNumber = type is "gauge" or "sum";
                        foreach (var point in Array(data, "dataPoints"))
                        {
                            double value = isNumber
                                ? point.TryGetProperty("asDouble", out var asDouble) ? Double(asDouble) : (long)Number(point, "asInt")
                                : point.TryGetProperty("sum", out var sum) ? Double(sum) : 0;
                            batch.Points.Add(new MetricPoint(
                                service, scope, Text(metric, "name"), Text(metric, "unit"), Text(metric, "description"), type,
                                Number(point, "timeUnixNano"), value, isNumber ? null : Number(point, "count"), Attributes(point, "attributes")));
                        }
                    }
                }
            }
        }
        return batch;
    }

    private static string ServiceOf(JsonElement resourceItem) =>
        resourceItem.TryGetProperty("resource", out var resource) && resource.ValueKind == JsonValueKind.Object
            ? Attributes(resource, "attributes").GetValueOrDefault("service.name", "unknown_service")
            : "unknown_service";

    private static string ScopeOf(JsonElement scopeItem) =>
        scopeItem.TryGetProperty("scope", out var scope) && scope.ValueKind == JsonValueKind.Object ? Text(scope, "name") : "";

    private static JsonElement[] Array(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"Expected an object holding '{name}', found {element.ValueKind}.");
        }
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        return value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray()]
            : throw new InvalidDataException($"'{name}' must be an array, found {value.ValueKind}.");
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private static ulong Number(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            return 0;
        }
        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetUInt64(out var number) => number,
            JsonValueKind.Number when value.TryGetInt64(out var signed) => unchecked((ulong)signed),
            JsonValueKind.String when ulong.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
            JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsedSigned) => unchecked((ulong)parsedSigned),
            _ => throw new InvalidDataException($"'{name}' must be an integer, found {value.ValueKind} {value.GetRawText()}."),
        };
    }

    private static double Double(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => throw new InvalidDataException($"Expected a number, found {value.GetRawText()}."),
    };

    private static Dictionary<string, string> Attributes(JsonElement element, string name)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var pair in Array(element, name))
        {
            attributes[Text(pair, "key")] = pair.TryGetProperty("value", out var value) ? AnyValue(value) : "";
        }
        return attributes;
    }

    private static string AnyValue(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            return value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
        }
        foreach (var property in value.EnumerateObject())
        {
            return property.Name switch
            {
                "stringValue" or "bytesValue" => property.Value.GetString() ?? "",
                "arrayValue" => "[" + string.Join(", ", Array(property.Value, "values").Select(AnyValue)) + "]",
                "kvlistValue" => "{" + string.Join(", ", Attributes(property.Value, "values").Select(pair => $"{pair.Key}: {pair.Value}")) + "}",
                _ => property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText(),
            };
        }
        return "";
    }
}
