namespace Functions.Hosting;

/// <summary>
/// Told when an invocation's handler has finished, before the result is posted to the Runtime API:
/// the last moment work can be done before Lambda may freeze the environment (flushing telemetry).
/// Register implementations in DI; the hosted runtime calls every one of them.
/// </summary>
public interface ILambdaInvocationListener
{
    ValueTask OnInvocationCompletedAsync(LambdaContext context, CancellationToken cancellationToken);
}
