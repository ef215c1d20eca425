using AppHost.Emulators;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AppHost.Hosting.AppModel;

/// <summary>
/// Exports the emulators' own spans (gateway requests and invokes, stream batches) over OTLP, each
/// under the name of the resource that produced it, so a trace reads api-gateway → function →
/// DynamoDB. Nothing is exported when no OTLP endpoint is configured.
/// </summary>
internal sealed class EmulatorTelemetryExport : IDisposable
{
    private readonly List<TracerProvider> _providers = [];

    public EmulatorTelemetryExport(string otlpEndpoint, IEnumerable<LocalResource> resources)
    {
        foreach (var resource in resources)
        {
            var source = resource switch
            {
                ApiGatewayResource => EmulatorTelemetry.ApiGatewaySourceName,
                StreamEventSourceResource => EmulatorTelemetry.EventSourcesSourceName,
                LambdaEmulatorResource => EmulatorTelemetry.LambdaSourceName,
                _ => null,
            };
            if (source is null)
            {
                continue;
            }
            _providers.Add(Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(resource.Name).AddAttributes([new("cloud.provider", "aws")]))
                .AddSource(source)
                .AddOtlpExporter(exporter =>
                {
                    exporter.Endpoint = new Uri(otlpEndpoint.TrimEnd('/') + "/v1/traces");
                    exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                    exporter.BatchExportProcessorOptions.ScheduledDelayMilliseconds = 1000;
                })
                .Build());
        }
    }

    public void Dispose()
    {
        foreach (var provider in _providers)
        {
            provider.Dispose();
        }
    }
}
