using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AppHost.Hosting;

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
