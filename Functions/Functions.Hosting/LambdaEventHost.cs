using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Functions.Hosting;

/// <summary>
/// Serves a function's non-HTTP events: reads each event with its source-generated JSON metadata,
/// resolves <typeparamref name="THandler"/> from a new DI scope and posts its response. Without a
/// Runtime API (not in Lambda) it does nothing.
/// </summary>
internal sealed partial class LambdaEventHost<TEvent, TResponse, THandler> : IHostedService
    where THandler : class, ILambdaEventHandler<TEvent, TResponse>
{
    private readonly IServiceScopeFactory _scopes;
    private readonly JsonTypeInfo<TEvent> _eventType;
    private readonly JsonTypeInfo<TResponse> _responseType;
    private readonly ILogger _logger;
    private readonly LambdaHostedRuntime? _runtime;
    private readonly ResponseBuffer _response = new();

    public LambdaEventHost(IServiceProvider services, JsonTypeInfo<TEvent> eventType, JsonTypeInfo<TResponse> responseType)
    {
        _scopes = services.GetRequiredService<IServiceScopeFactory>();
        _eventType = eventType;
        _responseType = responseType;
        _logger = services.GetRequiredService<ILogger<LambdaEventHost<TEvent, TResponse, THandler>>>();
        // Resolved now rather than at start, so that a start-up failure after this point
        // (options validation comes next) is reported as the function's init error.
        _runtime = services.GetRequiredService<IOptions<LambdaRuntimeOptions>>().Value.HasRuntimeApi
            ? services.GetRequiredService<LambdaHostedRuntime>()
            : null;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_runtime is null)
        {
            LogNotInLambda(typeof(THandler).Name, LambdaRuntimeOptions.RuntimeApiVariable);
            return Task.CompletedTask;
        }
        _runtime.Start(HandleAsync);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        _runtime?.StopAsync(cancellationToken) ?? Task.CompletedTask;

    private async ValueTask<ReadOnlyMemory<byte>> HandleAsync(
        ReadOnlyMemory<byte> payload, LambdaContext context, CancellationToken cancellationToken)
    {
        var lambdaEvent = JsonSerializer.Deserialize(payload.Span, _eventType);
        if (lambdaEvent is null)
        {
            throw new JsonException($"The event is null; {typeof(THandler).Name} expects a {typeof(TEvent).Name}.");
        }
        using var activity = LambdaTracing.StartInvocation(context, System.Diagnostics.ActivityKind.Consumer);
        await using var scope = _scopes.CreateAsyncScope();
        var handler = scope.ServiceProvider.GetRequiredService<THandler>();
        var response = await handler.HandleAsync(lambdaEvent, context, cancellationToken);
        return _response.Serialize(response, _responseType);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Handler} takes no Lambda invocations: {Variable} is not set")]
    private partial void LogNotInLambda(string handler, string variable);
}
