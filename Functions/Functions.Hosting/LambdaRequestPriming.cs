using System.Diagnostics;
using System.Runtime;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;

namespace Functions.Hosting;

/// <summary>
/// Warms a provisioned environment's request path before its first invocation, so it starts on optimised
/// code. .NET compiles a method quickly on its first call and again, optimised, on a background thread
/// once it has been called 30 times (tiered compilation); a process that serves a share of the requests
/// keeps paying for that second compilation well into its first minute of load. In the init phase of an
/// environment initialised ahead of traffic (<c>AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency</c>)
/// this runs each configured request through the same handler invocations use: once, then — after the
/// runtime's call-counting delay — <see cref="Repetitions"/> times, and waits until the background compiler
/// has caught up. No request waits for that init, locally or in AWS. An on-demand environment's init is
/// on a request's path, so it is not primed.
/// </summary>
/// <remarks>
/// The requests run with OpenTelemetry's instrumentation suppressed, so they record no spans (the
/// request metrics still count them); their responses go nowhere. A request that does not answer 2xx
/// is logged, and priming never fails the init: it stops at <see cref="LambdaPrimingOptions.Limit"/> and
/// the environment serves with whatever it compiled by then.
/// </remarks>
internal sealed partial class LambdaRequestPriming(
    ApiGatewayAdapter adapter, IOptions<LambdaPrimingOptions> priming, IOptions<LambdaRuntimeOptions> runtime, ILogger<LambdaRequestPriming> logger)
{
    /// <summary>Calls of each request after the first: more than the 30 that send a method to the optimising compiler.</summary>
    public const int Repetitions = 40;

    /// <summary>Longer than the runtime's 100 ms without new methods after which it starts counting calls.</summary>
    private static readonly TimeSpan CallCountingDelay = TimeSpan.FromMilliseconds(200);

    private static readonly TimeSpan CompilerPoll = TimeSpan.FromMilliseconds(100);

    /// <summary>True when this environment is provisioned and the function names requests to prime with.</summary>
    private bool Applies => runtime.Value.IsProvisioned && priming.Value.Requests.Count > 0;

    public async Task RunAsync(LambdaHandler handler, CancellationToken cancellationToken)
    {
        if (!Applies)
        {
            return;
        }
        var requests = priming.Value.Requests.Select(path => (Path: path, Event: adapter.GetRequestEvent(path))).ToArray();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(priming.Value.Limit);
        var clock = Stopwatch.StartNew();
        var compiledBefore = JitInfo.GetCompiledMethodCount();
        var served = 0;
        try
        {
            foreach (var (path, payload) in requests)
            {
                var status = await InvokeAsync(handler, payload, limit.Token);
                served++;
                if (status is not (>= 200 and <= 299))
                {
                    LogRequestNotSuccessful(path, status);
                }
            }
            await Task.Delay(CallCountingDelay, limit.Token);
            for (var round = 0; round < Repetitions; round++)
            {
                foreach (var (_, payload) in requests)
                {
                    await InvokeAsync(handler, payload, limit.Token);
                    served++;
                }
            }
            await WaitForCompilerAsync(limit.Token);
            var compiled = JitInfo.GetCompiledMethodCount() - compiledBefore;
            LogPrimed(served, clock.ElapsedMilliseconds, compiled);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The function is stopping: the runtime loop that follows ends at once.
        }
        catch (OperationCanceledException)
        {
            LogPrimingCutShort(served, priming.Value.Limit.TotalSeconds);
        }
        catch (Exception exception)
        {
            LogPrimingFailed(exception, served);
        }
    }

    private async Task<int?> InvokeAsync(LambdaHandler handler, byte[] payload, CancellationToken cancellationToken)
    {
        var invocation = new LambdaInvocation
        {
            Payload = payload,
            RequestId = "priming-" + Guid.NewGuid().ToString("N"),
            Deadline = DateTimeOffset.UtcNow + priming.Value.Limit,
        };
        // Suppressed here, not around the whole priming: the scope would also drop priming's own log lines.
        using var untraced = SuppressInstrumentationScope.Begin();
        var response = await handler(payload, new LambdaContext(invocation, runtime.Value, cancellationToken), cancellationToken);
        return StatusCodeOf(response.Span);
    }

    /// <summary>Waits until the background compiler compiles nothing new for one poll.</summary>
    private static async Task WaitForCompilerAsync(CancellationToken cancellationToken)
    {
        var compiled = JitInfo.GetCompiledMethodCount();
        while (true)
        {
            await Task.Delay(CompilerPoll, cancellationToken);
            var now = JitInfo.GetCompiledMethodCount();
            if (now == compiled)
            {
                return;
            }
            compiled = now;
        }
    }

    /// <summary>The <c>statusCode</c> of an API Gateway response (both payload formats have it at the top level).</summary>
    private static int? StatusCodeOf(ReadOnlySpan<byte> response)
    {
        var reader = new Utf8JsonReader(response);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("statusCode"))
            {
                return reader.Read() && reader.TryGetInt32(out var status) ? status : null;
            }
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth > 0)
            {
                reader.Skip();
            }
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Primed the request path during init: {Requests} requests in {ElapsedMs} ms, {Methods} methods compiled")]
    private partial void LogPrimed(int requests, long elapsedMs, long methods);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The priming request GET {Path} answered {Status}, not 2xx: it warms less of the path than a real request")]
    private partial void LogRequestNotSuccessful(string path, int? status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Priming stopped after {Requests} requests at its limit of {LimitSeconds} s; the environment serves with what was compiled by then")]
    private partial void LogPrimingCutShort(int requests, double limitSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Priming failed after {Requests} requests; the environment serves without it")]
    private partial void LogPrimingFailed(Exception exception, int requests);
}
