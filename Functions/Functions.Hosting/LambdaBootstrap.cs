using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Functions.Hosting;

/// <summary>
/// Handles one invocation: gets the event as sent and returns the response to post. The returned
/// bytes only need to stay valid until the bootstrap has posted them, so a handler can reuse one
/// buffer across invocations.
/// </summary>
public delegate ValueTask<ReadOnlyMemory<byte>> LambdaHandler(
    ReadOnlyMemory<byte> payload, LambdaContext context, CancellationToken cancellationToken);

/// <summary>
/// The runtime loop: takes the next invocation from the Runtime API, runs the handler with a token
/// that fires shortly before the deadline, and posts the response, or the error when the handler
/// throws. One invocation at a time, as Lambda sends them, until cancelled.
/// </summary>
public sealed partial class LambdaBootstrap(LambdaRuntimeClient client, LambdaRuntimeOptions options, ILogger<LambdaBootstrap> logger)
{
    private const string TraceIdVariable = "_X_AMZN_TRACE_ID";
    private static readonly TimeSpan LongestDeadline = TimeSpan.FromDays(1);

    /// <summary>Creates a bootstrap that does not log.</summary>
    public LambdaBootstrap(LambdaRuntimeClient client, LambdaRuntimeOptions options)
        : this(client, options, NullLogger<LambdaBootstrap>.Instance)
    {
    }

    /// <summary>
    /// Serves invocations until <paramref name="cancellationToken"/> fires. A handler's exception is
    /// reported as that invocation's error and the loop goes on; a Runtime API that cannot be
    /// reached, or that refuses to hand out invocations, ends it with the exception.
    /// </summary>
    public Task RunAsync(LambdaHandler handler, CancellationToken cancellationToken) =>
        RunAsync(handler, [], cancellationToken);

    /// <summary>
    /// Runs the loop; after each result is posted and before the next invocation is asked for — the
    /// moment Lambda may freeze the environment — every listener is told the invocation completed.
    /// </summary>
    public async Task RunAsync(LambdaHandler handler, IReadOnlyList<ILambdaInvocationListener> listeners, CancellationToken cancellationToken)
    {
        while (true)
        {
            LambdaInvocation invocation;
            try
            {
                invocation = await client.GetNextInvocationAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            var context = await InvokeAsync(handler, invocation, cancellationToken);
            foreach (var listener in listeners)
            {
                await listener.OnInvocationCompletedAsync(context, cancellationToken);
            }
        }
    }

    private async Task<LambdaContext> InvokeAsync(LambdaHandler handler, LambdaInvocation invocation, CancellationToken stopping)
    {
        Environment.SetEnvironmentVariable(TraceIdVariable, invocation.TraceId);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var untilCancellation = invocation.Deadline - DateTimeOffset.UtcNow - options.CancellationLeadTime;
        if (untilCancellation > TimeSpan.Zero)
        {
            deadline.CancelAfter(untilCancellation < LongestDeadline ? untilCancellation : LongestDeadline);
        }
        else
        {
            await deadline.CancelAsync();
        }
        var context = new LambdaContext(invocation, options, deadline.Token);
        try
        {
            ReadOnlyMemory<byte> response;
            try
            {
                response = await handler(invocation.Payload, context, deadline.Token);
            }
            catch (Exception exception)
            {
                LogInvocationFailed(exception, invocation.RequestId);
                await client.SendErrorAsync(invocation.RequestId, LambdaError.FromException(exception), CancellationToken.None);
                return context;
            }
            await client.SendResponseAsync(invocation.RequestId, response, CancellationToken.None);
        }
        catch (HttpRequestException exception) when (exception.StatusCode is not null)
        {
            LogResultRejected(exception, invocation.RequestId);
        }
        return context;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Invocation {RequestId} failed")]
    private partial void LogInvocationFailed(Exception exception, string requestId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The Runtime API refused the result of invocation {RequestId}")]
    private partial void LogResultRejected(Exception exception, string requestId);
}
