namespace Functions.Hosting;

/// <summary>One invocation as the Runtime API hands it out: the event and the headers that describe it.</summary>
public sealed class LambdaInvocation
{
    /// <summary>
    /// The event, as sent. When it comes from <see cref="LambdaRuntimeClient.GetNextInvocationAsync"/>
    /// it lives in the client's buffer and is valid until the next call.
    /// </summary>
    public required ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary><c>Lambda-Runtime-Aws-Request-Id</c>.</summary>
    public required string RequestId { get; init; }

    /// <summary><c>Lambda-Runtime-Deadline-Ms</c>: when Lambda stops the invocation.</summary>
    public required DateTimeOffset Deadline { get; init; }

    /// <summary><c>Lambda-Runtime-Invoked-Function-Arn</c>.</summary>
    public string InvokedFunctionArn { get; init; } = "";

    /// <summary><c>Lambda-Runtime-Trace-Id</c>: the X-Ray tracing header.</summary>
    public string? TraceId { get; init; }

    /// <summary><c>Lambda-Runtime-Client-Context</c>: the mobile SDK's client context, as JSON.</summary>
    public string? ClientContextJson { get; init; }

    /// <summary><c>Lambda-Runtime-Cognito-Identity</c>: the mobile SDK's Cognito identity, as JSON.</summary>
    public string? CognitoIdentityJson { get; init; }
}
