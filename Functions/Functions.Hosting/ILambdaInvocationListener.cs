namespace Functions.Hosting;

/// <summary>
/// Told when an invocation has finished and its result is posted, before the runtime asks for the
/// next one: Lambda freezes an environment only while it waits for an invocation, so this is the
/// last moment for work such as flushing telemetry — and it is off the caller's path.
/// Register implementations in DI; the hosted runtime calls every one of them.
/// </summary>
public interface ILambdaInvocationListener
{
    ValueTask OnInvocationCompletedAsync(LambdaContext context, CancellationToken cancellationToken);
}
