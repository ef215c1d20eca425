using System.Diagnostics;

namespace AppHost.Emulators;

/// <summary>The activity sources of the emulators: one span per hop the local cloud adds.</summary>
public static class EmulatorTelemetry
{
    public const string ApiGatewaySourceName = "LocalCloud.ApiGateway";
    public const string LambdaSourceName = "LocalCloud.Lambda";
    public const string EventSourcesSourceName = "LocalCloud.EventSources";

    public static readonly ActivitySource ApiGateway = new(ApiGatewaySourceName);
    public static readonly ActivitySource Lambda = new(LambdaSourceName);
    public static readonly ActivitySource EventSources = new(EventSourcesSourceName);
}
