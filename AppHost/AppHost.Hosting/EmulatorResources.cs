using AppHost.Definition;
using AppHost.Emulators.ApiGateway;
using AppHost.Emulators.EventSources;
using AppHost.Emulators.Lambda;
using AppHost.Emulators.StaticSites;
using AppHost.Emulators.TestTool;
using AppHost.Emulators.WebSockets;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

/// <summary>
/// The Lambda service's Invoke API for every function of the app (<c>aws lambda invoke --endpoint-url ...</c>)
/// and the test tool's page beside it.
/// </summary>
public sealed class LambdaEmulatorResource(string name, int port) : Resource(name), IResourceWithWaitSupport
{
    internal List<LambdaFunctionResource> Functions { get; } = [];

    /// <summary>The loopback port of the Invoke API and the test tool, fixed when the model is built.</summary>
    public int Port { get; } = port;

    /// <summary>The test tool's page with <paramref name="function"/> selected.</summary>
    public string TestToolUrl(string function) => $"http://127.0.0.1:{Port}/?function={Uri.EscapeDataString(function)}";

    /// <summary>The running emulator; null until started.</summary>
    public LambdaEmulator? Emulator { get; internal set; }

    /// <summary>The running test tool (samples, saved requests, invocations); null until started.</summary>
    public LambdaTestTool? TestTool { get; internal set; }
}

/// <summary>An API Gateway API of the app definition (HTTP API 2.0 or REST API 1.0), routing to its functions.</summary>
public sealed class ApiGatewayEmulatorResource(HttpApiDefinition definition) : Resource(definition.Name), IResourceWithWaitSupport
{
    public HttpApiDefinition Definition { get; internal set; } = definition;

    /// <summary>The running gateway (its issuer mints development tokens); null until started.</summary>
    public ApiGatewayEmulator? Gateway { get; internal set; }
}

/// <summary>An API Gateway WebSocket API of the app definition, routing connections and messages to its functions.</summary>
public sealed class WebSocketApiEmulatorResource(WebSocketApiDefinition definition, int port) : Resource(definition.Name), IResourceWithWaitSupport
{
    public WebSocketApiDefinition Definition { get; } = definition;

    /// <summary>The loopback port, fixed when the model is built so functions know the Management API's endpoint.</summary>
    public int Port { get; } = port;

    /// <summary>The Management API's endpoint the API's functions are given (<c>http://127.0.0.1:{port}/{stage}</c>).</summary>
    public string ManagementEndpoint => $"http://127.0.0.1:{Port}/{Definition.Stage}";

    /// <summary>Where clients connect: <c>ws://127.0.0.1:{port}/{stage}</c>.</summary>
    public string WebSocketUrl => $"ws://127.0.0.1:{Port}/{Definition.Stage}";

    /// <summary>The running API; null until started.</summary>
    public WebSocketApiEmulator? Emulator { get; internal set; }
}

/// <summary>A static page of the app, served as its bucket would serve it, with a <c>config.json</c> naming the app's endpoints.</summary>
public sealed class StaticSiteResource(StaticSiteDefinition definition, WebSocketApiEmulatorResource webSocketApi) : Resource(definition.Name), IResourceWithWaitSupport
{
    public StaticSiteDefinition Definition { get; } = definition;

    public WebSocketApiEmulatorResource WebSocketApi { get; } = webSocketApi;

    /// <summary>The running site; null until started.</summary>
    public StaticSiteHost? Site { get; internal set; }
}

/// <summary>A DynamoDB stream → function event source mapping, played by a poller; shown under its function.</summary>
public sealed class StreamEventSourceResource(StreamEventSourceDefinition definition, DynamoDbTableResource table, LambdaFunctionResource parent)
    : Resource($"{parent.Name}-stream"), IResourceWithParent<LambdaFunctionResource>, IResourceWithWaitSupport
{
    public StreamEventSourceDefinition Definition { get; } = definition;

    public DynamoDbTableResource Table { get; } = table;

    public LambdaFunctionResource Parent { get; } = parent;

    /// <summary>The running poller; null until started.</summary>
    public StreamEventSourceMapping? Mapping { get; internal set; }

    /// <summary>The batches that exhausted their retries (the local on-failure destination); null until started.</summary>
    public FailedBatchStore? Failures { get; internal set; }
}

/// <summary>An EventBridge schedule (<c>rate(...)</c>, <c>cron(...)</c>) invoking its function; shown under it.</summary>
public sealed class ScheduleResource(ScheduleDefinition definition, LambdaFunctionResource parent)
    : Resource(definition.Name), IResourceWithParent<LambdaFunctionResource>, IResourceWithWaitSupport
{
    public ScheduleDefinition Definition { get; } = definition;

    public LambdaFunctionResource Parent { get; } = parent;

    /// <summary>The running schedule; null until started.</summary>
    public ScheduledInvoker? Invoker { get; internal set; }
}
