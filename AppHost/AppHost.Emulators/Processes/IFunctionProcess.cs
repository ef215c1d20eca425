namespace AppHost.Emulators.Processes;

/// <summary>
/// The process of one execution environment, whoever launched it: the emulator itself, or the
/// AppHost's orchestrator (so an IDE can debug it). Disposing it stops the process.
/// </summary>
public interface IFunctionProcess : IAsyncDisposable
{
    /// <summary>Completes with the exit code when the process exits.</summary>
    Task<int> Exited { get; }

    /// <summary>The process id, once known.</summary>
    int? ProcessId { get; }

    /// <summary>
    /// How late a line the process writes may reach its environment: zero when the emulator reads the
    /// process's output itself, longer when a launcher captures it and passes it on.
    /// </summary>
    TimeSpan OutputDelay { get; }

    /// <summary>Up to <paramref name="lines"/> of the last output lines the launcher captured.</summary>
    IReadOnlyList<string> LastOutput(int lines);
}
