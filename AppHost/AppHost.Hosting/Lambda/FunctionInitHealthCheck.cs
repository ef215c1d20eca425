using AppHost.Emulators.Lambda;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AppHost.Hosting;

/// <summary>
/// A function is healthy once its orchestrated execution environment has finished its init phase and
/// its provisioned concurrency is allocated (its provisioned environments initialised, or failed to), as
/// Lambda has a version with provisioned concurrency ready only then: what waits for the function (the
/// API gateway in front of it, an event source) starts once the declared capacity is there, so the first
/// requests find it warm.
/// </summary>
/// <remarks>
/// One instance per function, answering Aspire's checks in turn. The first answer comes within
/// <see cref="HealthCheckWait.Longest"/>, and a step newly reached (the init done, the provisioned
/// environments starting) is answered at once, so the dashboard says what the function waits for. Once
/// it has said so, a check waits for that step to end (at most <see cref="WaitForStep"/>): Aspire checks
/// an unhealthy resource again only 1–5 s after each answer, and what waits for the function would
/// otherwise start up to 5 s after it is ready.
/// </remarks>
internal sealed class FunctionInitHealthCheck(Func<Task?> orchestratedInit, Func<Task> provisionedConcurrencyAllocated) : IHealthCheck
{
    /// <summary>The longest a check waits for the step the dashboard already shows to end.</summary>
    internal static readonly TimeSpan WaitForStep = TimeSpan.FromMinutes(1);

    private const string InitInProgress = "init in progress";

    /// <summary>How many start is in the function's console: the machine's environment limit may allow fewer than declared.</summary>
    private const string ProvisioningInProgress = "provisioned concurrency in progress: its provisioned environments are initialising";

    private string? _lastAnswer;

    public FunctionInitHealthCheck(LambdaFunctionResource resource)
        : this(
            () => resource.Function.IsCompletedSuccessfully ? resource.Function.Result.ExternalEnvironmentReady : null,
            () => resource.ProvisionedConcurrencyAllocated)
    {
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var result = await CheckStepAsync(cancellationToken);
        _lastAnswer = result.Description;
        return result;
    }

    private async Task<HealthCheckResult> CheckStepAsync(CancellationToken cancellationToken)
    {
        if (orchestratedInit() is not { } ready)
        {
            return HealthCheckResult.Unhealthy("the Lambda emulator has not started");
        }
        await ready.WaitAsync(LongestWaitFor(InitInProgress), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (ready.Status != TaskStatus.RanToCompletion)
        {
            return ready.Status == TaskStatus.Faulted && ready.Exception?.InnerException is FunctionInitException failure
                ? HealthCheckResult.Unhealthy($"{failure.ErrorType}: {failure.Message}")
                : HealthCheckResult.Unhealthy(InitInProgress);
        }
        var provisioned = provisionedConcurrencyAllocated();
        if (!provisioned.IsCompleted && _lastAnswer != ProvisioningInProgress)
        {
            return HealthCheckResult.Unhealthy(ProvisioningInProgress);
        }
        await provisioned.WaitAsync(WaitForStep, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return provisioned.IsCompleted ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy(ProvisioningInProgress);
    }

    /// <summary>How long to wait for the init: long once the dashboard shows it in progress.</summary>
    private TimeSpan LongestWaitFor(string answer) => _lastAnswer == answer ? WaitForStep : HealthCheckWait.Longest;
}
