using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AppHost.Hosting;

/// <summary>
/// Exports one emulator's spans (gateway requests and invokes, stream batches) over OTLP/HTTP under
/// its resource's name, so a trace reads api-gateway → function → DynamoDB in the dashboard. The
/// endpoint is the Aspire dashboard's OTLP/HTTP endpoint with its API key, or <c>OtlpEndpoint</c>
/// when configured; with neither (tests without a dashboard), nothing is exported.
/// </summary>
internal sealed class EmulatorTelemetryExport(TracerProvider provider) : IAsyncDisposable
{
    private const string DashboardOtlpHttpEndpoint = "ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL";
    private const string DashboardOtlpApiKey = "AppHost:OtlpApiKey";

    public static EmulatorTelemetryExport? Start(LocalCloudSettings settings, IServiceProvider services, string serviceName, string activitySource)
    {
        var configuration = settings.Configuration;
        var endpoint = settings.OtlpEndpoint
            ?? (settings.DashboardReceivesTelemetry(services) && configuration[DashboardOtlpHttpEndpoint] is { Length: > 0 } dashboard ? dashboard : null);
        if (endpoint is null)
        {
            return null;
        }
        var apiKey = settings.OtlpEndpoint is null ? configuration[DashboardOtlpApiKey] : null;
        var provider = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(serviceName).AddAttributes([new("cloud.provider", "aws")]))
            .AddSource(activitySource)
            .AddOtlpExporter(exporter =>
            {
                exporter.Endpoint = new Uri(endpoint.TrimEnd('/') + "/v1/traces");
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                if (!string.IsNullOrEmpty(apiKey))
                {
                    exporter.Headers = $"x-otlp-api-key={apiKey}";
                }
                exporter.BatchExportProcessorOptions.ScheduledDelayMilliseconds = 1000;
            })
            .Build();
        return new EmulatorTelemetryExport(provider);
    }

    public ValueTask DisposeAsync()
    {
        provider.Dispose();
        return ValueTask.CompletedTask;
    }
}
