using Amazon.DynamoDBv2.Model;
using AppHost.Emulators.Lambda;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AppHost.Hosting;

/// <summary>
/// How long a check may wait for its resource to become ready before it answers unhealthy. Aspire
/// checks an unhealthy resource again after 1 s, then 2 s, up to 5 s apart: a check that waits for
/// readiness answers the moment it comes, so whatever waits for the resource starts at once.
/// </summary>
internal static class HealthCheckWait
{
    public static readonly TimeSpan Longest = TimeSpan.FromSeconds(5);
}

/// <summary>
/// DynamoDB Local is healthy when it answers <c>ListTables</c>, asked every 100 ms for up to
/// <paramref name="longestWait"/> (5 s unless given) per check.
/// </summary>
internal sealed class DynamoDbHealthCheck(DynamoDbLocalResource resource, TimeSpan? longestWait = null) : IHealthCheck
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var client = resource.CreateDynamoDbClient();
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        waiting.CancelAfter(longestWait ?? HealthCheckWait.Longest);
        while (true)
        {
            try
            {
                await client.ListTablesAsync(new ListTablesRequest { Limit = 1 }, waiting.Token);
                return HealthCheckResult.Healthy();
            }
            catch (Exception exception) when (exception is HttpRequestException or Amazon.Runtime.AmazonServiceException or InvalidOperationException or OperationCanceledException)
            {
                await Task.Delay(RetryDelay, waiting.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (waiting.IsCancellationRequested)
                {
                    return HealthCheckResult.Unhealthy($"ListTables on {resource.Name} failed: {exception.Message}");
                }
            }
        }
    }
}

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
