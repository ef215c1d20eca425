using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AppHost.Hosting;

/// <summary>
/// Exports one emulator's spans (gateway requests and invokes, stream and queue batches) and, for the Lambda
/// emulator and the local SQS, its metrics over OTLP/HTTP under its resource's name, so a trace reads api-gateway →
/// function → DynamoDB in the dashboard and Lambda's and the queues' metrics sit beside the functions'. The endpoint
/// is the Aspire dashboard's OTLP/HTTP endpoint with its API key, or <c>OtlpEndpoint</c> when
/// configured; with neither (tests without a dashboard), nothing is exported.
/// </summary>
internal sealed class EmulatorTelemetryExport(TracerProvider? traces, MeterProvider? metrics) : IAsyncDisposable
{
    private const string DashboardOtlpHttpEndpoint = "ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL";
    private const string DashboardOtlpApiKey = "AppHost:OtlpApiKey";

    public static EmulatorTelemetryExport? Start(LocalCloudSettings settings, IServiceProvider services, string serviceName, string? activitySource, string? meter)
    {
        var configuration = settings.Configuration;
        var endpoint = settings.OtlpEndpoint
            ?? (settings.DashboardReceivesTelemetry(services) && configuration[DashboardOtlpHttpEndpoint] is { Length: > 0 } dashboard ? dashboard : null);
        if (endpoint is null)
        {
            return null;
        }
        var apiKey = settings.OtlpEndpoint is null ? configuration[DashboardOtlpApiKey] : null;
        var resource = ResourceBuilder.CreateEmpty().AddService(serviceName).AddAttributes([new("cloud.provider", "aws")]);
        void Configure(OtlpExporterOptions exporter, string signal)
        {
            exporter.Endpoint = new Uri(endpoint.TrimEnd('/') + "/v1/" + signal);
            exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
            if (!string.IsNullOrEmpty(apiKey))
            {
                exporter.Headers = $"x-otlp-api-key={apiKey}";
            }
        }
        var traces = activitySource is null ? null : Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(activitySource)
            .AddOtlpExporter(exporter =>
            {
                Configure(exporter, "traces");
                exporter.BatchExportProcessorOptions.ScheduledDelayMilliseconds = 1000;
            })
            .Build();
        var metrics = meter is null ? null : Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(meter)
            .AddOtlpExporter((exporter, reader) =>
            {
                Configure(exporter, "metrics");
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 5000;
            })
            .Build();
        return new EmulatorTelemetryExport(traces, metrics);
    }

    public ValueTask DisposeAsync()
    {
        traces?.Dispose();
        metrics?.Dispose();
        return ValueTask.CompletedTask;
    }
}
