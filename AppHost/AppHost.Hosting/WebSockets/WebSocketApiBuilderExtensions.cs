using Microsoft.Extensions.DependencyInjection;
using AppHost.Definition;
using AppHost.Emulators;
using AppHost.Emulators.WebSockets;
using AppHost.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>API Gateway WebSocket APIs and their Management API.</summary>
public static class WebSocketApiBuilderExtensions
{
    /// <summary>
    /// An API Gateway WebSocket API serving <paramref name="definition"/> on <c>Ports:{name}</c> (3002):
    /// connections at <c>ws://127.0.0.1:{port}/{stage}</c>, routes by the route selection expression, the
    /// Management API for the functions, API Gateway's limits (<c>WebSocketApi:IdleTimeout</c>,
    /// <c>WebSocketApi:MaxMessageBytes</c> and the like override them). Each route's function must have been
    /// added; it is given the Management API's endpoint (<see cref="WebSocketApiDefinition.ManagementEndpointVariable"/>),
    /// and the API starts once the functions are healthy.
    /// </summary>
    public static IResourceBuilder<WebSocketApiEmulatorResource> AddWebSocketApiEmulator(this IDistributedApplicationBuilder builder, WebSocketApiDefinition definition)
    {
        var settings = builder.LocalCloudSettings();
        var port = settings.PortFor(definition.Name, 3002) is > 0 and var configured ? configured : LoopbackPorts.PickFree();
        var api = builder.AddResource(new WebSocketApiEmulatorResource(definition, port))
            .WithIconName("PlugConnected")
            .ExcludeFromManifest();
        foreach (var function in LocalCloudBuilder.RouteTo(api, definition.Routes.Select(route => route.Function)))
        {
            function.WithEnvironment(WebSocketApiDefinition.ManagementEndpointVariable, api.Resource.ManagementEndpoint);
        }
        return api.WithStart("WebSocketApi", StartWebSocketApiAsync);
    }

    /// <summary>Starts the WebSocket API and its Management API once the functions it routes to are up.</summary>
    private static async Task<StartResult> StartWebSocketApiAsync(WebSocketApiEmulatorResource resource, StartContext context, CancellationToken cancellationToken)
    {
        var settings = context.Services.GetRequiredService<LocalCloudSettings>();
        var functions = await LocalCloudBuilder.StartedFunctionsAsync(context.Services);
        var options = settings.Configuration.GetSection("WebSocketApi").Get<WebSocketApiOptions>() ?? new WebSocketApiOptions();
        options.Port = resource.Port;
        context.ExportTelemetry(resource.Name, EmulatorTelemetry.WebSocketApiSourceName, WebSocketApiMetrics.MeterName);
        var running = context.Lifetime.Own(await WebSocketApiEmulator.StartAsync(resource.Definition, functions, options, cancellationToken));
        resource.Emulator = running;
        context.Console.LogInformation("{Routes} routes on {Url}; Management API on {Management}/@connections", resource.Definition.Routes.Count, running.WebSocketUrl, running.ManagementEndpoint);
        return new StartResult(
            [
                new UrlSnapshot("websocket", running.WebSocketUrl.ToString(), IsInternal: false) { DisplayProperties = new(running.WebSocketUrl.ToString(), SortOrder: 1) },
                new UrlSnapshot("management-api", running.ManagementEndpoint + "/@connections", IsInternal: false),
            ],
            [new("api.routes", string.Join(", ", resource.Definition.Routes.Select(route => route.RouteKey))), new("api.routeSelectionExpression", resource.Definition.RouteSelectionExpression)]);

    }
}
