using Amazon.DynamoDBv2.Model;
using AppHost.Emulators.Lambda;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AppHost.Hosting;

/// <summary>DynamoDB Local is healthy when it answers <c>ListTables</c>.</summary>
internal sealed class DynamoDbHealthCheck(DynamoDbLocalResource resource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var client = resource.CreateDynamoDbClient();
            await client.ListTablesAsync(new ListTablesRequest { Limit = 1 }, cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is HttpRequestException or Amazon.Runtime.AmazonServiceException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy($"ListTables on {resource.Name} failed: {exception.Message}");
        }
    }
}

/// <summary>A function is healthy once its orchestrated execution environment has finished its init phase.</summary>
internal sealed class FunctionInitHealthCheck(LambdaFunctionResource resource) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!resource.Function.IsCompletedSuccessfully)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("the Lambda emulator has not started"));
        }
        var ready = resource.Function.Result.ExternalEnvironmentReady;
        return Task.FromResult(ready.Status switch
        {
            TaskStatus.RanToCompletion => HealthCheckResult.Healthy(),
            TaskStatus.Faulted when ready.Exception?.InnerException is FunctionInitException failure =>
                HealthCheckResult.Unhealthy($"{failure.ErrorType}: {failure.Message}"),
            _ => HealthCheckResult.Unhealthy("init in progress"),
        });
    }
}
