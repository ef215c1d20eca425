using Amazon;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ServiceDefaults;

/// <summary>The defaults every service and function of the app starts with.</summary>
public static class Extensions
{
    private const string LiveTag = "live";
    private const string HealthEndpointPath = "/health";
    private const string AlivenessEndpointPath = "/alive";

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
        app.MapHealthChecks(HealthEndpointPath);
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) });
        return app;
    }

    /// <summary>
    /// The Aspire template's telemetry — logs with formatted messages and scopes; ASP.NET Core,
    /// HttpClient and runtime metrics; ASP.NET Core (without /health and /alive), HttpClient and AWS
    /// SDK spans — exported with <c>UseOtlpExporter()</c> and the standard <c>OTEL_*</c> settings,
    /// plus what Lambda needs: the Runtime API's own calls are not traced and the resource says which
    /// function and environment it is. The function host (Functions.Hosting) adds its invocation spans
    /// and flushes each invocation's telemetry; these defaults know no runtime host.
    /// </summary>
    private static void AddOpenTelemetryExport(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var runtimeApi = configuration["AWS_LAMBDA_RUNTIME_API"];
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService(configuration["OTEL_SERVICE_NAME"] ?? configuration["AWS_LAMBDA_FUNCTION_NAME"] ?? builder.Environment.ApplicationName)
                .AddAttributes(LambdaResourceAttributes(configuration)))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(builder.Environment.ApplicationName))
            .WithTracing(tracing => tracing
                .AddSource(AwsSdkTracing.SourceName, builder.Environment.ApplicationName)
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context =>
                    !context.Request.Path.StartsWithSegments(HealthEndpointPath) && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath))
                .AddHttpClientInstrumentation(http => http.FilterHttpRequestMessage = request =>
                    string.IsNullOrEmpty(runtimeApi) || request.RequestUri?.Authority != runtimeApi))
            .UseOtlpExporter();
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
}
