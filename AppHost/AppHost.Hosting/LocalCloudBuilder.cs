using AppHost.Emulators.Lambda;
using AppHost.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Aspire.Hosting;

/// <summary>What the features' builder extensions share: the local cloud's settings and routes to functions.</summary>
internal static class LocalCloudBuilder
{
    /// <summary>
    /// Makes an API wait for the functions its routes invoke, shown as its routes; a target that is not a
    /// function of this app (yet) is refused.
    /// </summary>
    internal static List<IResourceBuilder<LambdaFunctionResource>> RouteTo<TApi>(IResourceBuilder<TApi> api, IEnumerable<string> targets)
        where TApi : IResourceWithWaitSupport
    {
        var functions = api.ApplicationBuilder.Resources.OfType<LambdaFunctionResource>().ToList();
        var routed = new List<IResourceBuilder<LambdaFunctionResource>>();
        foreach (var target in targets.Distinct())
        {
            var function = functions.SingleOrDefault(resource => resource.Name == target)
                ?? throw new InvalidOperationException($"Route target '{target}' of {api.Resource.Name} is not a function of this app; add it first.");
            var functionBuilder = api.ApplicationBuilder.CreateResourceBuilder(function);
            api.WithRelationship(function, "Route").WaitFor(functionBuilder);
            routed.Add(functionBuilder);
        }
        return routed;
    }

    /// <summary>Every function of the app once its emulator has started it, looked up by name.</summary>
    internal static async Task<Func<string, LambdaFunction?>> StartedFunctionsAsync(IServiceProvider services)
    {
        var byName = new Dictionary<string, LambdaFunction>(StringComparer.Ordinal);
        foreach (var function in services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<LambdaFunctionResource>())
        {
            byName[function.Name] = await function.Function;
        }
        return name => byName.GetValueOrDefault(name);
    }

    internal static LocalCloudSettings LocalCloudSettings(this IDistributedApplicationBuilder builder)
    {
        if (builder.Services.FirstOrDefault(service => service.ServiceType == typeof(LocalCloudSettings))?.ImplementationInstance is LocalCloudSettings existing)
        {
            return existing;
        }
        var settings = new LocalCloudSettings(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services.TryAddSingleton<LocalCloudLifetime>();
        // The app's secrets: read by the functions' Parameters and Secrets stand-ins, the signed samples and commands.
        builder.Services.TryAddSingleton<AppHost.Emulators.Secrets.SecretStore>();
        builder.Services.AddHostedService(services => services.GetRequiredService<LocalCloudLifetime>());
        return settings;
    }
}
