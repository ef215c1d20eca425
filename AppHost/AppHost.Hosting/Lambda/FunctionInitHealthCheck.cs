using AppHost.Emulators.Lambda;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AppHost.Hosting;

/// <summary>
/// A function is healthy once its orchestrated execution environment has finished its init phase;
/// a check waits up to 5 s for it to end.
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
        return ready.Status switch
        {
            TaskStatus.RanToCompletion => HealthCheckResult.Healthy(),
            TaskStatus.Faulted when ready.Exception?.InnerException is FunctionInitException failure =>
                HealthCheckResult.Unhealthy($"{failure.ErrorType}: {failure.Message}"),
            _ => HealthCheckResult.Unhealthy("init in progress"),
        };
    }
}
