using AppHost.Definition;
using AppHost.Emulators.StaticSites;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

/// <summary>A static page of the app, served as its bucket would serve it, with a <c>config.json</c> naming the app's endpoints.</summary>
public sealed class StaticSiteResource(StaticSiteDefinition definition, WebSocketApiEmulatorResource webSocketApi) : Resource(definition.Name), IResourceWithWaitSupport
{
    public StaticSiteDefinition Definition { get; } = definition;

    public WebSocketApiEmulatorResource WebSocketApi { get; } = webSocketApi;

    /// <summary>The running site; null until started.</summary>
    public StaticSiteHost? Site { get; internal set; }
}
