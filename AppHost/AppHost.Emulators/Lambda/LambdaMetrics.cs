using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AppHost.Emulators.Lambda;

/// <summary>
/// The Lambda service's CloudWatch metrics (namespace <c>AWS/Lambda</c>), kept by the emulator as
/// OpenTelemetry instruments under CloudWatch's names with its <c>FunctionName</c> dimension, so a
/// load test shows Lambda scale in the dashboard: invocations, errors, throttles, durations, cold
/// starts, concurrency and environments, the invocations waiting for an environment, and, per event
/// source mapping, the iterator age and batch size.
/// </summary>
public static class LambdaMetrics
{
    public const string MeterName = "LocalCloud.Lambda";
    public const string FunctionNameTag = "FunctionName";
    public const string EventSourceTag = "EventSourceArn";

    private static readonly Meter Meter = new(MeterName);
    private static readonly ConcurrentDictionary<LambdaFunction, byte> Functions = new();

    internal static readonly Counter<long> Invocations = Meter.CreateCounter<long>("Invocations", "{invocation}", "Invocations that ran, successful or not (throttled ones excluded), as CloudWatch counts them.");
    internal static readonly Counter<long> Errors = Meter.CreateCounter<long>("Errors", "{invocation}", "Invocations that ended in a function error: an exception, a timeout, a crash or a failed init.");
    internal static readonly Counter<long> Throttles = Meter.CreateCounter<long>("Throttles", "{invocation}", "Invocations refused because the function's reserved concurrency was in use.");
    internal static readonly Counter<long> ColdStarts = Meter.CreateCounter<long>("ColdStarts", "{environment}", "Execution environments started for an invocation or ahead of it.");
    internal static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("Duration", "ms", "How long the function's handler ran, per invocation.");
    internal static readonly Histogram<double> InitDuration = Meter.CreateHistogram<double>("InitDuration", "ms", "How long an environment's init phase took (one per cold start).");
    internal static readonly Histogram<double> IteratorAge = Meter.CreateHistogram<double>("IteratorAge", "ms", "For a stream event source: the age of the last record of each batch when the batch is handed to the function.");
    internal static readonly Histogram<long> BatchSize = Meter.CreateHistogram<long>("BatchSize", "{record}", "For a stream event source: the records in each batch.");

    static LambdaMetrics()
    {
        Meter.CreateObservableGauge("ConcurrentExecutions", () => Observe(function => function.ActiveInvocations), "{invocation}",
            "Invocations running now (each holds one execution environment).");
        Meter.CreateObservableGauge("Environments", () => Observe(function => function.EnvironmentCount), "{environment}",
            "Execution environments alive now: busy, idle or starting.");
        Meter.CreateObservableGauge("WaitingInvocations", () => Observe(function => function.WaitingInvocations), "{invocation}",
            "Invocations waiting for a free environment because this machine's cap on environments is reached (Lambda would have scaled).");
    }

    /// <summary>The tag list of one function, CloudWatch's dimension.</summary>
    internal static TagList For(LambdaFunction function) => new() { { FunctionNameTag, function.Settings.Name } };

    internal static void Track(LambdaFunction function) => Functions[function] = 0;

    internal static void Untrack(LambdaFunction function) => Functions.TryRemove(function, out _);

    private static IEnumerable<Measurement<int>> Observe(Func<LambdaFunction, int> value) =>
        Functions.Keys.Select(function => new Measurement<int>(value(function), For(function)));
}
