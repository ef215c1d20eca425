using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Functions.Hosting;

/// <summary>
/// Runs a function on AWS Lambda when the Runtime API is configured (<c>AWS_LAMBDA_RUNTIME_API</c>),
/// and leaves the application as it is otherwise, so the same <c>Program.cs</c> runs locally and in Lambda.
/// </summary>
public static class LambdaServiceCollectionExtensions
{
    /// <summary>
    /// Serves the ASP.NET Core application's requests from API Gateway events of
    /// <paramref name="eventSource"/> when <c>AWS_LAMBDA_RUNTIME_API</c> is set, in place of the server
    /// registered before (Kestrel); without it that server serves as usual. The invocation behind a
    /// request is reachable through <see cref="LambdaHttpContextExtensions"/>.
    /// </summary>
    public static IServiceCollection AddLambdaHosting(this IServiceCollection services, LambdaEventSource eventSource)
    {
        if (services.Any(service => service.ServiceType == typeof(LambdaServer)))
        {
            return services;
        }
        services.AddLambdaRuntime();
        services.AddSingleton<ApiGatewayAdapter>(eventSource switch
        {
            LambdaEventSource.HttpApi => new HttpApiAdapter(),
            LambdaEventSource.RestApi => new RestApiAdapter(),
            _ => throw new ArgumentOutOfRangeException(nameof(eventSource), eventSource, "Not an API Gateway payload format."),
        });
        services.AddSingleton<LambdaServer>();
        services.AddSingleton<LambdaRequestPriming>();
        var otherServer = services.LastOrDefault(service => service.ServiceType == typeof(IServer) && !service.IsKeyedService);
        services.RemoveAll<IServer>();
        services.AddSingleton<IServer>(provider =>
            provider.GetRequiredService<IOptions<LambdaRuntimeOptions>>().Value.HasRuntimeApi
                ? provider.GetRequiredService<LambdaServer>()
                : CreateServer(provider, otherServer));
        return services;
    }

    /// <summary>
    /// Primes a function behind API Gateway (<see cref="AddLambdaHosting"/>) in the init phase of each
    /// provisioned environment: <c>GET</c> of each of <paramref name="pathsAndQueries"/> runs through the
    /// application's pipeline about forty times before the first invocation, so that environment serves its first
    /// requests with optimised code (see <see cref="LambdaRequestPriming"/>). Name reads of the hottest
    /// routes, with ids no real data uses: priming must not change data.
    /// </summary>
    public static IServiceCollection AddLambdaPriming(this IServiceCollection services, params string[] pathsAndQueries)
    {
        ArgumentNullException.ThrowIfNull(pathsAndQueries);
        foreach (var path in pathsAndQueries)
        {
            if (string.IsNullOrEmpty(path) || path[0] != '/')
            {
                throw new ArgumentException($"A priming request is a path that starts with '/', not '{path}'.", nameof(pathsAndQueries));
            }
        }
        services.Configure<LambdaPrimingOptions>(options =>
        {
            foreach (var path in pathsAndQueries)
            {
                options.Requests.Add(path);
            }
        });
        return services;
    }

    /// <summary>
    /// Serves the function's events with <typeparamref name="THandler"/> (resolved from a new scope per
    /// invocation) when <c>AWS_LAMBDA_RUNTIME_API</c> is set, reading each event and writing each response
    /// with the given source-generated JSON metadata. The application stops when the function stops
    /// taking invocations.
    /// </summary>
    public static IServiceCollection AddLambdaEventHandler<TEvent, TResponse, THandler>(
        this IServiceCollection services, JsonTypeInfo<TEvent> eventTypeInfo, JsonTypeInfo<TResponse> responseTypeInfo)
        where THandler : class, ILambdaEventHandler<TEvent, TResponse>
    {
        ArgumentNullException.ThrowIfNull(eventTypeInfo);
        ArgumentNullException.ThrowIfNull(responseTypeInfo);
        services.AddLambdaRuntime();
        services.TryAddScoped<THandler>();
        services.AddHostedService(provider =>
            new LambdaEventHost<TEvent, TResponse, THandler>(provider, eventTypeInfo, responseTypeInfo));
        return services;
    }

    /// <summary>
    /// Serves DynamoDB Streams batches with <typeparamref name="THandler"/>, which reports the records
    /// to retry as a <see cref="PartialBatchResponse"/> (enable <c>ReportBatchItemFailures</c> on the
    /// event source mapping).
    /// </summary>
    public static IServiceCollection AddDynamoDbStreamHandler<THandler>(this IServiceCollection services)
        where THandler : class, ILambdaEventHandler<DynamoDbStreamEvent, PartialBatchResponse> =>
        services.AddLambdaEventHandler<DynamoDbStreamEvent, PartialBatchResponse, THandler>(
            LambdaJsonContext.Default.DynamoDbStreamEvent, LambdaJsonContext.Default.PartialBatchResponse);

    /// <summary>
    /// Serves batches of SQS messages with <typeparamref name="THandler"/>, which reports the messages to
    /// deliver again (by message id) as a <see cref="PartialBatchResponse"/> (enable
    /// <c>ReportBatchItemFailures</c> on the event source mapping); the others are deleted from the queue.
    /// </summary>
    public static IServiceCollection AddSqsHandler<THandler>(this IServiceCollection services)
        where THandler : class, ILambdaEventHandler<SqsEvent, PartialBatchResponse> =>
        services.AddLambdaEventHandler<SqsEvent, PartialBatchResponse, THandler>(
            LambdaJsonContext.Default.SqsEvent, LambdaJsonContext.Default.PartialBatchResponse);

    /// <summary>
    /// Serves the firings of the function's EventBridge schedules with <typeparamref name="THandler"/>
    /// (resolved from a new scope per invocation).
    /// </summary>
    public static IServiceCollection AddScheduledEventHandler<THandler>(this IServiceCollection services)
        where THandler : class, IScheduledEventHandler
    {
        services.TryAddScoped<THandler>();
        return services.AddLambdaEventHandler<ScheduledEvent, ScheduledEventResult, ScheduledEventDispatch<THandler>>(
            LambdaJsonContext.Default.ScheduledEvent, LambdaJsonContext.Default.ScheduledEventResult);
    }

    private static void AddLambdaRuntime(this IServiceCollection services)
    {
        if (services.Any(service => service.ServiceType == typeof(LambdaHostedRuntime)))
        {
            return;
        }
        services.AddOptions<LambdaRuntimeOptions>()
            .Configure<IConfiguration>((options, configuration) => options.ReadFrom(configuration));
        services.AddSingleton(provider =>
            new LambdaRuntimeClient(provider.GetRequiredService<IOptions<LambdaRuntimeOptions>>().Value.RuntimeApi!));
        services.AddSingleton<LambdaHostedRuntime>();
        services.AddLambdaTelemetry();
    }

    private static IServer CreateServer(IServiceProvider provider, ServiceDescriptor? server) => server switch
    {
        { ImplementationInstance: IServer instance } => instance,
        { ImplementationFactory: { } factory } => (IServer)factory(provider),
        { ImplementationType: { } type } => (IServer)ActivatorUtilities.CreateInstance(provider, type),
        _ => throw new InvalidOperationException(
            $"{LambdaRuntimeOptions.RuntimeApiVariable} is not set and no other server (such as Kestrel) is registered."),
    };
}
