using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging;

namespace AppHost.Hosting;

/// <summary>What a resource hosted inside the AppHost is given when it starts.</summary>
internal sealed record StartContext(ILogger Console, IServiceProvider Services, LocalCloudLifetime Lifetime)
{
    /// <summary>
    /// Exports the spans of <paramref name="activitySource"/> (if any) and the instruments of <paramref name="meter"/> (if any)
    /// under <paramref name="serviceName"/> until the AppHost stops.
    /// </summary>
    public void ExportTelemetry(string serviceName, string? activitySource, string? meter = null)
    {
        var settings = (LocalCloudSettings)Services.GetService(typeof(LocalCloudSettings))!;
        if (EmulatorTelemetryExport.Start(settings, Services, serviceName, activitySource, meter) is { } export)
        {
            Lifetime.Own(export);
        }
    }
}

/// <summary>What a resource reports once started: its URLs and properties for the dashboard.</summary>
internal sealed record StartResult(IReadOnlyList<UrlSnapshot> Urls, IReadOnlyList<ResourcePropertySnapshot> Properties);

/// <summary>
/// The life of a resource the AppHost itself hosts (an emulator, a poller, a table): Aspire
/// initializes it, it waits for what it <c>WaitFor</c>s and for its parent, starts, and reports Running — or
/// FailedToStart with the reason in its console.
/// </summary>
internal static class ResourceStarts
{
    public static IResourceBuilder<T> WithStart<T>(this IResourceBuilder<T> builder, string resourceType, Func<T, StartContext, CancellationToken, Task<StartResult>> start)
        where T : IResource
    {
        builder.WithInitialState(new CustomResourceSnapshot
        {
            ResourceType = resourceType,
            State = KnownResourceStates.NotStarted,
            Properties = [],
        });
        return builder.OnInitializeResource(async (resource, initialize, cancellationToken) =>
        {
            var notifications = initialize.Notifications;
            var lifetime = (LocalCloudLifetime)initialize.Services.GetService(typeof(LocalCloudLifetime))!;
            try
            {
                // Publishing this runs the WaitFor annotations: it returns once the dependencies are ready,
                // and throws when one of them failed to start.
                await initialize.Eventing.PublishAsync(new BeforeResourceStartedEvent(resource, initialize.Services), cancellationToken);
                if (resource is IResourceWithParent { Parent: var parent })
                {
                    // Aspire does not let a child WaitFor its parent; a child starts once its parent is healthy.
                    await notifications.PublishUpdateAsync(resource, state => state with { State = KnownResourceStates.Waiting });
                    await notifications.WaitForResourceHealthyAsync(parent.Name, WaitBehavior.StopOnResourceUnavailable, cancellationToken);
                }
                await notifications.PublishUpdateAsync(resource, state => state with { State = KnownResourceStates.Starting, StartTimeStamp = DateTime.UtcNow });
                var started = await start(resource, new StartContext(initialize.Logger, initialize.Services, lifetime), lifetime.Stopping);
                await notifications.PublishUpdateAsync(resource, state => state with
                {
                    State = KnownResourceStates.Running,
                    Urls = [.. started.Urls],
                    Properties = [.. state.Properties, .. started.Properties],
                });
            }
            catch (OperationCanceledException) when (lifetime.Stopping.IsCancellationRequested)
            {
                await notifications.PublishUpdateAsync(resource, state => state with { State = KnownResourceStates.Finished, StopTimeStamp = DateTime.UtcNow });
            }
            catch (Exception failure) when (failure is ResourceStartException or DynamoDbLocalException or Emulators.Lambda.FunctionInitException or DistributedApplicationException)
            {
                initialize.Logger.LogError("{Resource} failed to start: {Reason}", resource.Name, failure.Message);
                await notifications.PublishUpdateAsync(resource, state => state with { State = KnownResourceStates.FailedToStart });
            }
            catch (Exception failure)
            {
                initialize.Logger.LogError(failure, "{Resource} failed to start", resource.Name);
                await notifications.PublishUpdateAsync(resource, state => state with { State = KnownResourceStates.FailedToStart });
            }
        });
    }
}
