namespace AppHost.Emulators.Lambda;

/// <summary>What a caller passes to an invocation.</summary>
/// <param name="LogTailRequested">
/// The caller asked for the log tail (<c>LogType: Tail</c>): the invocation ends once the function's
/// output has reached the environment, which for an environment whose launcher relays it can take a
/// moment longer.
/// </param>
public sealed record LambdaInvocationRequest(byte[] Payload, string? ClientContext = null, string? TraceId = null, bool LogTailRequested = false);
