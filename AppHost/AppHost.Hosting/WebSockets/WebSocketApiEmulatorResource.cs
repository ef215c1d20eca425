using AppHost.Definition;
using AppHost.Emulators.WebSockets;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

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
