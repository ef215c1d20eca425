using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AppHost.Emulators.WebSockets;

/// <summary>
/// API Gateway's CloudWatch metrics for WebSocket APIs (namespace <c>AWS/ApiGateway</c>), kept by the
/// emulator as OpenTelemetry instruments under CloudWatch's names with its <c>ApiId</c> and <c>Stage</c>
/// dimensions: connections and messages, client errors (refused connections, messages no route takes,
/// messages over the limit), integration errors and latency, and the connections open now.
/// </summary>
public static class WebSocketApiMetrics
{
    public const string MeterName = "LocalCloud.WebSocketApi";
    public const string ApiIdTag = "ApiId";
    public const string StageTag = "Stage";

    private static readonly Meter Meter = new(MeterName);
    private static readonly ConcurrentDictionary<WebSocketApiEmulator, byte> Apis = new();

    internal static readonly Counter<long> ConnectCount = Meter.CreateCounter<long>("ConnectCount", "{connection}", "Connections accepted.");
    internal static readonly Counter<long> MessageCount = Meter.CreateCounter<long>("MessageCount", "{message}", "Messages: from clients, and sent to them by routes and the Management API.");
    internal static readonly Counter<long> ClientError = Meter.CreateCounter<long>("ClientError", "{request}", "Connections refused by $connect, messages no route takes and messages over the size limit.");
    internal static readonly Counter<long> IntegrationError = Meter.CreateCounter<long>("IntegrationError", "{request}", "Route invocations that failed, timed out or answered something that is not a response.");
    internal static readonly Histogram<double> IntegrationLatency = Meter.CreateHistogram<double>("IntegrationLatency", "ms", "How long a route's function took to answer.");

    static WebSocketApiMetrics() =>
        Meter.CreateObservableGauge("Connections", () => Apis.Keys.Select(api => new Measurement<int>(api.ConnectionCount, api.MetricTags)), "{connection}",
            "Connections open now.");

    internal static void Track(WebSocketApiEmulator api) => Apis[api] = 0;

    internal static void Untrack(WebSocketApiEmulator api) => Apis.TryRemove(api, out _);

    internal static TagList For(string apiId, string stage) => new() { { ApiIdTag, apiId }, { StageTag, stage } };
}
