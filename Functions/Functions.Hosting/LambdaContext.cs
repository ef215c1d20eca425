namespace Functions.Hosting;

/// <summary>
/// What a handler knows about the invocation it serves and the function it runs in: the request
/// id, the deadline and the time left, the tracing header, the caller's client context and Cognito
/// identity, and a token that fires shortly before the deadline.
/// </summary>
public sealed class LambdaContext(LambdaInvocation invocation, LambdaRuntimeOptions function, CancellationToken cancellationToken)
{
    /// <summary>The invocation's request id.</summary>
    public string AwsRequestId => invocation.RequestId;

    /// <summary>The function's name.</summary>
    public string FunctionName => function.FunctionName;

    /// <summary>The function's version (<c>$LATEST</c> unless published).</summary>
    public string FunctionVersion => function.FunctionVersion;

    /// <summary>The memory the function is configured with.</summary>
    public int MemoryLimitInMB => function.MemoryLimitInMB;

    /// <summary>The CloudWatch log group the function writes to.</summary>
    public string LogGroupName => function.LogGroupName;

    /// <summary>The CloudWatch log stream of this execution environment.</summary>
    public string LogStreamName => function.LogStreamName;

    /// <summary>The ARN the caller used, including any version or alias qualifier.</summary>
    public string InvokedFunctionArn => invocation.InvokedFunctionArn;

    /// <summary>When Lambda stops the invocation.</summary>
    public DateTimeOffset Deadline => invocation.Deadline;

    /// <summary>The time left until <see cref="Deadline"/>; zero once it has passed.</summary>
    public TimeSpan RemainingTime
    {
        get
        {
            var remaining = invocation.Deadline - DateTimeOffset.UtcNow;
            return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
        }
    }

    /// <summary>The X-Ray tracing header of the invocation, when tracing is on.</summary>
    public string? TraceId => invocation.TraceId;

    /// <summary>The client context the caller sent (mobile SDKs), as JSON.</summary>
    public string? ClientContextJson => invocation.ClientContextJson;

    /// <summary>The caller's Cognito identity (mobile SDKs), as JSON.</summary>
    public string? CognitoIdentityJson => invocation.CognitoIdentityJson;

    /// <summary>
    /// Fires <see cref="LambdaRuntimeOptions.CancellationLeadTime"/> before <see cref="Deadline"/>,
    /// or when the function stops.
    /// </summary>
    public CancellationToken CancellationToken => cancellationToken;
}
