using Microsoft.Extensions.DependencyInjection;
using AppHost.Definition;
using AppHost.Emulators.StaticSites;
using AppHost.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>The app's static pages, served as their bucket would serve them.</summary>
public static class StaticSiteBuilderExtensions
{
    /// <summary>
    /// A static page of the app on <c>Ports:{name}</c> (3003), with a <c>config.json</c> giving it its
    /// WebSocket API's URL (<c>websocketUrl</c>), as the CDK app deploys it beside the page.
    /// </summary>
    public static IResourceBuilder<StaticSiteResource> AddStaticSite(this IDistributedApplicationBuilder builder, StaticSiteDefinition definition)
    {
        // Registers the local cloud's settings and lifetime, which the start handler uses.
        _ = builder.LocalCloudSettings();
        var webSocketApi = builder.Resources.OfType<WebSocketApiEmulatorResource>().SingleOrDefault(api => api.Name == definition.WebSocketApi)
            ?? throw new InvalidOperationException($"The WebSocket API '{definition.WebSocketApi}' of site {definition.Name} is not part of this app; add it first.");
        return builder.AddResource(new StaticSiteResource(definition, webSocketApi))
            .WithIconName("Globe")
            .ExcludeFromManifest()
            .WithRelationship(webSocketApi, "Reference")
            .WaitFor(builder.CreateResourceBuilder(webSocketApi))
            .WithStart("StaticSite", StartSiteAsync);
    }

    /// <summary>Serves the site's folder with its config.json.</summary>
    private static async Task<StartResult> StartSiteAsync(StaticSiteResource resource, StartContext context, CancellationToken cancellationToken)
    {
        var settings = context.Services.GetRequiredService<LocalCloudSettings>();
        var config = new System.Text.Json.Nodes.JsonObject { ["websocketUrl"] = resource.WebSocketApi.WebSocketUrl }.ToJsonString();
        var directory = Path.Combine(settings.RepositoryRoot, resource.Definition.Directory);
        var site = context.Lifetime.Own(await StaticSiteHost.StartAsync(directory, settings.PortFor(resource.Name, 3003), config, cancellationToken));
        resource.Site = site;
        context.Console.LogInformation("{Directory} on {Url}", resource.Definition.Directory, site.Endpoint);
        return new StartResult([new UrlSnapshot("page", site.Endpoint.ToString(), IsInternal: false)], [new("site.directory", resource.Definition.Directory)]);

    }
}
