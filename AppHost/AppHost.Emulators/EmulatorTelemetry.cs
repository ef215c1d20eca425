using System.Diagnostics;
using AppHost.Emulators.Lambda;

namespace AppHost.Emulators;

/// <summary>The activity sources of the emulators: one span per hop the local cloud adds.</summary>
public static class EmulatorTelemetry
{
    public const string ApiGatewaySourceName = "LocalCloud.ApiGateway";
    public const string LambdaSourceName = "LocalCloud.Lambda";
    public const string EventSourcesSourceName = "LocalCloud.EventSources";
    public const string WebSocketApiSourceName = "LocalCloud.WebSocketApi";

    public static readonly ActivitySource ApiGateway = new(ApiGatewaySourceName);
    public static readonly ActivitySource Lambda = new(LambdaSourceName);
    public static readonly ActivitySource EventSources = new(EventSourcesSourceName);
    public static readonly ActivitySource WebSocketApi = new(WebSocketApiSourceName);

    /// <summary>
    /// Invokes a function inside a client span of <paramref name="source"/>; the request is built within
    /// the span, so the function's own spans continue it.
    /// </summary>
    public static async Task<InvocationResult> InvokeAsync(
        ActivitySource source, LambdaFunction function, Func<Activity?, LambdaInvocationRequest> request, CancellationToken cancellationToken)
    {
        using var activity = source.StartActivity($"Invoke {function.Settings.Name}", ActivityKind.Client);
        activity?.SetTag("faas.invoked_name", function.Settings.Name);
        activity?.SetTag("faas.invoked_provider", "aws");
        var result = await function.InvokeAsync(request(activity), cancellationToken);
        activity?.SetTag("faas.coldstart", result.ColdStart);
        activity?.SetTag("aws.lambda.request_id", result.RequestId);
        if (result.Status != InvocationStatus.Succeeded)
        {
            activity?.SetStatus(ActivityStatusCode.Error, result.Status.ToString());
        }
        return result;
    }
}
