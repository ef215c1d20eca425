using AppHost.Processes;

namespace AppHost.Emulators.Lambda;

/// <summary>How the emulator runs one function: the command of its process and Lambda's settings.</summary>
public sealed record LambdaFunctionSettings
{
    public required string Name { get; init; }

    /// <summary>
    /// The function's process: for a .NET function, <c>dotnet</c> with the assembly path. The emulator
    /// adds Lambda's environment variables to the command's own.
    /// </summary>
    public required ChildProcessSpec Command { get; init; }

    /// <summary>The handler string Lambda passes in <c>_HANDLER</c>; for an executable, its assembly name.</summary>
    public string Handler { get; init; } = "bootstrap";

    public int MemoryMb { get; init; } = 512;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long the runtime may take to ask for its first invocation (Lambda: 10 s).</summary>
    public TimeSpan InitTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Execution environments that may run at once; more invocations are throttled.</summary>
    public int MaxConcurrency { get; init; } = 10;

    public string Region { get; init; } = "us-east-1";

    public string Arn => $"arn:aws:lambda:{Region}:{LambdaLimits.AccountId}:function:{Name}";
}

/// <summary>Lambda's documented limits and the account id the emulator reports.</summary>
public static class LambdaLimits
{
    public const string AccountId = "000000000000";

    /// <summary>Synchronous invocation request and response payloads: 6 MB.</summary>
    public const int SynchronousPayloadBytes = 6 * 1024 * 1024;

    /// <summary>Asynchronous (Event) invocation payloads: 1 MB.</summary>
    public const int AsynchronousPayloadBytes = 1024 * 1024;

    /// <summary>The part of an invocation's log returned with <c>LogType: Tail</c>: the last 4 KB.</summary>
    public const int LogTailBytes = 4 * 1024;
}
