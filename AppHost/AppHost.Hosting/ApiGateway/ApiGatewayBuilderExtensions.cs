using AppHost.Definition;
using AppHost.Emulators;
using AppHost.Emulators.ApiGateway;
using AppHost.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>API Gateway HTTP and REST APIs in front of the functions.</summary>
public static class ApiGatewayBuilderExtensions
{
    /// <summary>
    /// An API Gateway emulator serving <paramref name="definition"/> on <c>Ports:{name}</c> (3000): HTTP API
    /// (payload 2.0) or REST API (1.0), the JWT issuer and authorizer, API keys, CORS. Each route's
    /// function must have been added; the gateway starts once they are healthy.
    /// </summary>
    public static IResourceBuilder<ApiGatewayEmulatorResource> AddApiGatewayEmulator(this IDistributedApplicationBuilder builder, HttpApiDefinition definition)
    {
        var gateway = builder.AddResource(new ApiGatewayEmulatorResource(definition))
            .WithIconName("GlobeArrowForward")
            .ExcludeFromManifest();
        LocalCloudBuilder.RouteTo(gateway, definition.Routes.Select(route => route.Function));
        gateway.WithCommand("dev-token", "Dev token", context => Task.FromResult(ApiGatewayCommands.DevToken(gateway.Resource, context)), new CommandOptions
        {
            Description = "Mints a development token from the gateway's local issuer, for the JWT authorizer.",
            IconName = "Key",
            Arguments = [ApiGatewayCommands.ScopesInput],
            UpdateState = _ => gateway.Resource.Gateway is null ? ResourceCommandState.Disabled : ResourceCommandState.Enabled,
        });
        return gateway.WithStart(definition.Kind == ApiKind.Http ? "HttpApi" : "RestApi", StartApiAsync);
    }

    /// <summary>Adds a route to the API, beyond those of its definition: <c>.WithReference(function, "GET", "/path")</c>.</summary>
    public static IResourceBuilder<ApiGatewayEmulatorResource> WithReference(
        this IResourceBuilder<ApiGatewayEmulatorResource> api, IResourceBuilder<LambdaFunctionResource> function, string method, string path)
    {
        var alreadyRouted = api.Resource.Definition.Routes.Any(route => route.Function == function.Resource.Name);
        api.Resource.Definition = api.Resource.Definition with { Routes = [.. api.Resource.Definition.Routes, new RouteDefinition(method, path, function.Resource.Name)] };
        return alreadyRouted ? api : api.WithRelationship(function.Resource, "Route").WaitFor(function);
    }

    /// <summary>Starts the API's gateway once the functions it routes to are up.</summary>
    private static async Task<StartResult> StartApiAsync(ApiGatewayEmulatorResource resource, StartContext context, CancellationToken cancellationToken)
    {
        var settings = context.Services.GetRequiredService<LocalCloudSettings>();
        var functions = await LocalCloudBuilder.StartedFunctionsAsync(context.Services);
        var options = new ApiGatewayOptions
        {
            Port = settings.PortFor(resource.Name, 3000),
            IntegrationTimeout = settings.Configuration.GetValue("ApiGateway:IntegrationTimeout", TimeSpan.FromSeconds(30)),
            ApiKeys = settings.Configuration.GetSection("ApiGateway:ApiKeys").Get<string[]>() ?? [],
            Secrets = context.Services.GetRequiredService<AppHost.Emulators.Secrets.SecretStore>(),
        };
        context.ExportTelemetry(resource.Name, EmulatorTelemetry.ApiGatewaySourceName);
        var running = context.Lifetime.Own(await ApiGatewayEmulator.StartAsync(
            resource.Definition, functions, options, cancellationToken));
        resource.Gateway = running;
        context.Console.LogInformation("{Routes} routes on {Url}", resource.Definition.Routes.Count, running.InvokeUrl);
        return new StartResult(
            [new UrlSnapshot("api", running.InvokeUrl.ToString(), IsInternal: false), new UrlSnapshot("dev-token", $"{running.Endpoint}_auth/dev-token", IsInternal: false)],
            [new("api.routes", string.Join(", ", resource.Definition.Routes.Select(route => $"{route.RouteKey} → {route.Function}"))), new("api.issuer", running.Issuer.Issuer)]);

    }
}
