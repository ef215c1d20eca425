using System.Text.Json;
using System.Text.Json.Serialization;

namespace AppHost.Emulators.Lambda;

/// <summary>How an invocation ended, and what the caller receives.</summary>
public enum InvocationStatus
{
    /// <summary>The function returned a response.</summary>
    Succeeded,

    /// <summary>The function reported an error, timed out, crashed or failed to initialise.</summary>
    FunctionError,

    /// <summary>No execution environment was free and the concurrency limit was reached.</summary>
    Throttled,
}

/// <summary>The outcome of one invocation: payload (response or error body), status and the log tail.</summary>
public sealed record InvocationResult(
    string RequestId,
    InvocationStatus Status,
    byte[] Payload,
    string LogTail,
    bool ColdStart,
    TimeSpan Duration)
{
    /// <summary>How long the environment's init phase took, on the invocation that found it freshly started.</summary>
    public TimeSpan? InitDuration { get; init; }

    /// <summary>The X-Ray trace header the function received (<c>Root=1-…;Parent=…;Sampled=…</c>), if it ran.</summary>
    public string? TraceHeader { get; init; }

    /// <summary>The W3C trace id of <see cref="TraceHeader"/>: the trace the invocation's spans belong to.</summary>
    public string? TraceId => TraceHeader is { } header
        && header.Split(';').FirstOrDefault(part => part.StartsWith("Root=1-", StringComparison.Ordinal)) is { Length: 7 + 8 + 1 + 24 } root
            ? root[7..15] + root[16..]
            : null;

    /// <summary>An error body as Lambda writes it: <c>{"errorType","errorMessage"}</c>.</summary>
    public static byte[] ErrorBody(string errorType, string errorMessage) =>
        JsonSerializer.SerializeToUtf8Bytes(new LambdaErrorBody(errorType, errorMessage), EmulatorJsonContext.Default.LambdaErrorBody);
}

internal sealed record LambdaErrorBody(
    [property: JsonPropertyName("errorType")] string ErrorType,
    [property: JsonPropertyName("errorMessage")] string ErrorMessage);

[JsonSerializable(typeof(LambdaErrorBody))]
internal sealed partial class EmulatorJsonContext : JsonSerializerContext;
