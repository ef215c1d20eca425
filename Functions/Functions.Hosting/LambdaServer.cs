using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Functions.Hosting;

/// <summary>
/// The ASP.NET Core server of a function behind API Gateway: each invocation's event becomes one
/// request run through the application's normal pipeline (a new DI scope, middleware, endpoints),
/// and the response goes back as the API Gateway response. An exception that escapes the pipeline
/// answers 500 and the function goes on serving. A provisioned environment first primes the pipeline
/// with the function's priming requests (<see cref="LambdaRequestPriming"/>).
/// </summary>
internal sealed partial class LambdaServer(
    LambdaHostedRuntime runtime, ApiGatewayAdapter adapter, LambdaRequestPriming priming, ILogger<LambdaServer> logger) : IServer
{
    public IFeatureCollection Features { get; } = new FeatureCollection();

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull
    {
        LambdaHandler handler = (payload, context, token) => ProcessAsync(application, payload, context, token);
        runtime.Start(handler, token => priming.RunAsync(handler, token));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => runtime.StopAsync(cancellationToken);

    public void Dispose()
    {
    }

    private async ValueTask<ReadOnlyMemory<byte>> ProcessAsync<TContext>(
        IHttpApplication<TContext> application, ReadOnlyMemory<byte> payload, LambdaContext lambdaContext, CancellationToken cancellationToken)
        where TContext : notnull
    {
        using var features = adapter.ReadRequest(payload.Span, lambdaContext, cancellationToken);
        var context = application.CreateContext(features.Features);
        Exception? failure = null;
        try
        {
            await application.ProcessRequestAsync(context);
            await features.CompleteResponseAsync();
        }
        catch (Exception exception)
        {
            failure = exception;
            LogUnhandledException(exception, features.TraceIdentifier);
            await features.ReplaceWithServerErrorAsync();
        }
        await features.RunOnCompletedAsync(exception => LogOnCompletedFailed(exception, features.TraceIdentifier));
        application.DisposeContext(context, failure);
        return adapter.WriteResponse(features);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {TraceIdentifier}: an unhandled exception was thrown by the application; answered 500")]
    private partial void LogUnhandledException(Exception exception, string traceIdentifier);

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {TraceIdentifier}: an OnCompleted callback failed")]
    private partial void LogOnCompletedFailed(Exception exception, string traceIdentifier);
}
