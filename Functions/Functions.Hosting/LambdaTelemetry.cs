using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Functions.Hosting;

/// <summary>
/// What a function's OpenTelemetry needs in Lambda, whoever configures the exporters: the invocation
/// spans' source is traced, and each invocation's telemetry is flushed once its result is posted —
/// unless <c>LAMBDA_FLUSH_TELEMETRY=false</c> says the environment is never frozen between invocations
/// (the local emulator's), where the exporter's own schedule is enough and a flush would only hold the
/// environment back from its next invocation.
/// </summary>
public static class LambdaTelemetry
{
    /// <summary>Whether each invocation's telemetry is flushed before the next (true unless set to false).</summary>
    public const string FlushTelemetrySetting = "LAMBDA_FLUSH_TELEMETRY";

    internal static void AddLambdaTelemetry(this IServiceCollection services)
    {
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource(LambdaTracing.SourceName));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ILambdaInvocationListener, TelemetryFlush>();
    }

    /// <summary>
    /// Exports what the invocation produced before Lambda may freeze the environment (after the
    /// result is posted, so the caller does not wait for it): its spans and log records every time;
    /// metrics (cumulative, and costly to collect) at most every 15 s. Nothing when no provider is
    /// configured or the environment is never frozen.
    /// </summary>
    private sealed class TelemetryFlush(IServiceProvider services, IConfiguration configuration, TimeProvider clock) : ILambdaInvocationListener
    {
        private const int FlushTimeoutMilliseconds = 2000;
        private static readonly TimeSpan MetricsInterval = TimeSpan.FromSeconds(15);
        private readonly bool _flushes = configuration.GetValue(FlushTelemetrySetting, defaultValue: true);
        private long _lastMetricsFlush;

        public ValueTask OnInvocationCompletedAsync(LambdaContext context, CancellationToken cancellationToken)
        {
            if (!_flushes)
            {
                return ValueTask.CompletedTask;
            }
            services.GetService<TracerProvider>()?.ForceFlush(FlushTimeoutMilliseconds);
            services.GetService<LoggerProvider>()?.ForceFlush(FlushTimeoutMilliseconds);
            var now = clock.GetTimestamp();
            if (clock.GetElapsedTime(Interlocked.Read(ref _lastMetricsFlush), now) >= MetricsInterval)
            {
                Interlocked.Exchange(ref _lastMetricsFlush, now);
                services.GetService<MeterProvider>()?.ForceFlush(FlushTimeoutMilliseconds);
            }
            return ValueTask.CompletedTask;
        }
    }
}
