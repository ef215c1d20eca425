using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AppHost.Hosting;

/// <summary>
/// DynamoDB Local is healthy when it answers <c>ListTables</c>, asked every 100 ms for up to
/// <paramref name="longestWait"/> (5 s unless given) per check. The one check of DynamoDB Local: the
/// AppHost's resource waits on it, and <see cref="DynamoDbLocal.StartAsync"/> runs it for tests.
/// </summary>
internal sealed class DynamoDbHealthCheck(Func<AmazonDynamoDBClient> createClient, string description, TimeSpan? longestWait = null) : IHealthCheck
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);

    public DynamoDbHealthCheck(DynamoDbLocalResource resource, TimeSpan? longestWait = null)
        : this(resource.CreateDynamoDbClient, resource.Name, longestWait)
    {
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        waiting.CancelAfter(longestWait ?? HealthCheckWait.Longest);
        while (true)
        {
            try
            {
                // Made per attempt: the resource's endpoint is not allocated until the orchestrator runs it.
                using var client = createClient();
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(waiting.Token);
                attempt.CancelAfter(TimeSpan.FromSeconds(2));
                await client.ListTablesAsync(new ListTablesRequest { Limit = 1 }, attempt.Token);
                return HealthCheckResult.Healthy();
            }
            catch (Exception exception) when (exception is HttpRequestException or Amazon.Runtime.AmazonServiceException or InvalidOperationException or OperationCanceledException)
            {
                await Task.Delay(RetryDelay, waiting.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (waiting.IsCancellationRequested)
                {
                    return HealthCheckResult.Unhealthy($"{description} did not answer ListTables: {exception.Message}");
                }
            }
        }
    }
}
