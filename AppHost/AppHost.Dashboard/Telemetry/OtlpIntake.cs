using System.Text.Json;
using AppHost.Emulators;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AppHost.Dashboard.Telemetry;

/// <summary>
/// OTLP over HTTP: <c>POST /v1/traces</c>, <c>/v1/metrics</c> and <c>/v1/logs</c> in
/// <c>application/x-protobuf</c> or <c>application/json</c>. A request that cannot be read gets 400
/// with the reason and stores nothing; a good one gets OTLP's empty success response.
/// </summary>
public static class OtlpIntake
{
    /// <summary>The largest export request accepted (the collector's default is similar).</summary>
    public const int MaxRequestBytes = 32 * 1024 * 1024;

    public static IEndpointRouteBuilder MapOtlpIntake(this IEndpointRouteBuilder endpoints, TelemetryStore store)
    {
        endpoints.MapPost("/v1/traces", (HttpRequest request) => ReceiveAsync(request, OtlpProtobufReader.ReadTraces, OtlpJsonReader.ReadTraces, store));
        endpoints.MapPost("/v1/logs", (HttpRequest request) => ReceiveAsync(request, OtlpProtobufReader.ReadLogs, OtlpJsonReader.ReadLogs, store));
        endpoints.MapPost("/v1/metrics", (HttpRequest request) => ReceiveAsync(request, OtlpProtobufReader.ReadMetrics, OtlpJsonReader.ReadMetrics, store));
        return endpoints;
    }

    private delegate TelemetryBatch ProtobufRead(ReadOnlySpan<byte> request);

    private static async Task<IResult> ReceiveAsync(HttpRequest request, ProtobufRead readProtobuf, Func<JsonElement, TelemetryBatch> readJson, TelemetryStore store)
    {
        var mediaType = (request.ContentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is not ("application/x-protobuf" or "application/json"))
        {
            return TypedResults.Problem($"Unsupported content type '{request.ContentType}': send application/x-protobuf or application/json.", statusCode: StatusCodes.Status415UnsupportedMediaType);
        }
        var body = await BoundedBody.ReadAsync(request, MaxRequestBytes);
        if (body is null)
        {
            return TypedResults.Problem($"The request is over {MaxRequestBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        TelemetryBatch batch;
        try
        {
            if (mediaType == "application/json")
            {
                using var document = JsonDocument.Parse(body);
                batch = readJson(document.RootElement);
            }
            else
            {
                batch = readProtobuf(body);
            }
        }
        catch (Exception failure) when (failure is InvalidDataException or JsonException or OverflowException or InvalidOperationException)
        {
            return TypedResults.Problem($"Malformed OTLP {mediaType} payload: {failure.Message}", statusCode: StatusCodes.Status400BadRequest);
        }
        store.AddSpans(batch.Spans);
        store.AddLogs(batch.Logs);
        store.AddMetricPoints(batch.Points);
        return mediaType == "application/json"
            ? TypedResults.Content("{}", "application/json")
            : TypedResults.Bytes([], "application/x-protobuf");
    }
}
