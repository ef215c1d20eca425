using Amazon;
using Functions.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ServiceDefaults;

/// <summary>The defaults every service and function of the app starts with.</summary>
public static class Extensions
{
    private const string LiveTag = "live";

    /// <summary>
    /// Adds the health checks behind <c>/health</c> and <c>/alive</c>, and OpenTelemetry traces,
    /// metrics and logs exported over OTLP — only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, so
    /// nothing retries an absent collector.
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.AddOpenTelemetryExport();
        }
        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (every check: ready to serve) and <c>/alive</c> (only the liveness checks:
    /// the process responds).
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health");
        app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) });
        return app;
    }

    /// <summary>
    /// ASP.NET Core's and HttpClient's built-in sources and meters, .NET runtime metrics, AWS SDK
    /// spans, and logs; exported with the standard <c>OTEL_*</c> settings and flushed at the end of
    /// every Lambda invocation.
    /// </summary>
    private static void AddOpenTelemetryExport(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        void DescribeResource(ResourceBuilder resource) => resource
            .AddService(configuration["OTEL_SERVICE_NAME"] ?? configuration["AWS_LAMBDA_FUNCTION_NAME"] ?? builder.Environment.ApplicationName)
            .AddAttributes(LambdaResourceAttributes(configuration));

        builder.Logging.AddOpenTelemetry(logging =>
        {
            var resource = ResourceBuilder.CreateEmpty();
            DescribeResource(resource);
            logging.SetResourceBuilder(resource);
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
            logging.AddOtlpExporter();
        });
        var telemetry = OpenTelemetrySdk.Create(otel => otel
            .ConfigureResource(DescribeResource)
            .WithTracing(tracing => tracing
                .AddProcessor(new RuntimeApiCallsFilter(configuration["AWS_LAMBDA_RUNTIME_API"] ?? ""))
                .AddSource("Microsoft.AspNetCore", "System.Net.Http", AwsSdkTracing.SourceName, LambdaTracing.SourceName, builder.Environment.ApplicationName)
                .AddOtlpExporter())
            .WithMetrics(metrics => metrics
                .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing",
                    "System.Net.Http", "System.Runtime", builder.Environment.ApplicationName)
                .AddOtlpExporter()));
        builder.Services.AddSingleton(telemetry);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ILambdaInvocationListener, TelemetryFlush>();
        AWSConfigs.TelemetryProvider.RegisterTracerProvider(new AwsSdkTracing());
    }

    private static Dictionary<string, object> LambdaResourceAttributes(IConfiguration configuration)
    {
        var attributes = new Dictionary<string, object> { ["cloud.provider"] = "aws" };
        if (configuration["AWS_LAMBDA_FUNCTION_NAME"] is { } function)
        {
            attributes["faas.name"] = function;
            attributes["cloud.platform"] = "aws_lambda";
        }
        if (configuration["AWS_LAMBDA_LOG_STREAM_NAME"] is { } instance)
        {
            attributes["faas.instance"] = instance;
        }
        if (configuration["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] is { } memory && int.TryParse(memory, out var megabytes))
        {
            attributes["faas.max_memory"] = megabytes * 1024L * 1024L;
        }
        if (configuration["AWS_REGION"] is { } region)
        {
            attributes["cloud.region"] = region;
        }
        return attributes;
    }

    /// <summary>
    /// Exports what the invocation produced before Lambda may freeze the environment (after the
    /// result is posted, so the caller does not wait for it): its spans and
    /// log records every time; metrics (cumulative, and costly to collect) at most every 15 s.
    /// </summary>
    private sealed class TelemetryFlush(OpenTelemetrySdk telemetry, IServiceProvider services, TimeProvider clock) : ILambdaInvocationListener
    {
        private const int FlushTimeoutMilliseconds = 2000;
        private static readonly TimeSpan MetricsInterval = TimeSpan.FromSeconds(15);
        private long _lastMetricsFlush;

        public ValueTask OnInvocationCompletedAsync(LambdaContext context, CancellationToken cancellationToken)
        {
            telemetry.TracerProvider.ForceFlush(FlushTimeoutMilliseconds);
            services.GetService<LoggerProvider>()?.ForceFlush(FlushTimeoutMilliseconds);
            var now = clock.GetTimestamp();
            if (clock.GetElapsedTime(Interlocked.Read(ref _lastMetricsFlush), now) >= MetricsInterval)
            {
                Interlocked.Exchange(ref _lastMetricsFlush, now);
                telemetry.MeterProvider.ForceFlush(FlushTimeoutMilliseconds);
            }
            return ValueTask.CompletedTask;
        }
    }
}
