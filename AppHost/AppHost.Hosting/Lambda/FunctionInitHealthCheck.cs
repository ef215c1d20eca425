using AppHost.Emulators.Lambda;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AppHost.Hosting;

/// <summary>
/// A function is healthy once its orchestrated execution environment has finished its init phase and
/// its provisioned concurrency is allocated (its provisioned environments initialised, or failed to), as
/// Lambda has a version with provisioned concurrency ready only then: what waits for the function (the
/// API gateway in front of it, an event source) starts once the declared capacity is there, so the first
/// requests find it warm. A check waits up to 5 s for each.
/// </summary>
internal sealed class FunctionInitHealthCheck(LambdaFunctionResource resource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!resource.Function.IsCompletedSuccessfully)
        {
            return HealthCheckResult.Unhealthy("the Lambda emulator has not started");
        }
        var ready = resource.Function.Result.ExternalEnvironmentReady;
        await ready.WaitAsync(HealthCheckWait.Longest, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (ready.Status != TaskStatus.RanToCompletion)
        {
            return ready.Status == TaskStatus.Faulted && ready.Exception?.InnerException is FunctionInitException failure
                ? HealthCheckResult.Unhealthy($"{failure.ErrorType}: {failure.Message}")
                : HealthCheckResult.Unhealthy("init in progress");
        }
        var provisioned = resource.ProvisionedConcurrencyAllocated;
        await provisioned.WaitAsync(HealthCheckWait.Longest, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return provisioned.IsCompleted
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"provisioned concurrency in progress: {resource.Definition.ProvisionedConcurrency} environment(s) initialising");
    }
}
