namespace AppHost.Emulators.Lambda;

/// <summary>An invocation handed to an environment's runtime, until the runtime posts its result.</summary>
internal sealed class PendingInvocation(string requestId, LambdaInvocationRequest request, DateTimeOffset deadline)
{
    public string RequestId { get; } = requestId;

    public LambdaInvocationRequest Request { get; } = request;

    public DateTimeOffset Deadline { get; } = deadline;

    public TaskCompletionSource<(InvocationStatus, byte[])> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Complete(InvocationStatus status, byte[] payload) => Completion.TrySetResult((status, payload));
}
