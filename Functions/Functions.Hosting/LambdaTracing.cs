using System.Diagnostics;

namespace Functions.Hosting;

/// <summary>
/// The function side of tracing: an activity per event invocation, continuing the trace that the
/// invoker passed in Lambda's trace header. X-Ray trace headers map onto W3C trace context
/// (<c>Root=1-{8 hex}-{24 hex}</c> is the 32-hex trace id, <c>Parent</c> the span id), so a trace
/// that starts in the gateway or the stream poller carries on in the function.
/// </summary>
public static class LambdaTracing
{
    public const string SourceName = "Functions.Hosting";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>Starts the invocation's activity, a child of the trace header's span when it has one.</summary>
    public static Activity? StartInvocation(LambdaContext context, ActivityKind kind = ActivityKind.Server)
    {
        var activity = Source.StartActivity($"{context.FunctionName} invoke", kind, ParseTraceHeader(context.TraceId));
        activity?.SetTag("faas.invocation_id", context.AwsRequestId);
        activity?.SetTag("faas.name", context.FunctionName);
        activity?.SetTag("cloud.resource_id", context.InvokedFunctionArn);
        return activity;
    }

    /// <summary>The W3C context of an X-Ray trace header (<c>Root=1-…-…;Parent=…;Sampled=1</c>), or default.</summary>
    public static ActivityContext ParseTraceHeader(string? traceHeader)
    {
        if (string.IsNullOrEmpty(traceHeader))
        {
            return default;
        }
        string? root = null;
        string? parent = null;
        var sampled = false;
        foreach (var part in traceHeader.Split(';', StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith("Root=1-", StringComparison.Ordinal) && part.Length == "Root=1-".Length + 8 + 1 + 24)
            {
                root = string.Concat(part.AsSpan(7, 8), part.AsSpan(16, 24));
            }
            else if (part.StartsWith("Parent=", StringComparison.Ordinal) && part.Length == "Parent=".Length + 16)
            {
                parent = part[7..];
            }
            else if (part == "Sampled=1")
            {
                sampled = true;
            }
        }
        if (root is null || parent is null)
        {
            return default;
        }
        try
        {
            return new ActivityContext(
                ActivityTraceId.CreateFromString(root),
                ActivitySpanId.CreateFromString(parent),
                sampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None,
                isRemote: true);
        }
        catch (ArgumentOutOfRangeException)
        {
            return default;
        }
    }
}
