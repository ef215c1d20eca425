using System.Diagnostics;
using System.Globalization;
using AppHost.Emulators.Processes;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

/// <summary>
/// The process of a function's orchestrated execution environment, as the orchestrator reports it:
/// its id once it runs, its exit once it has run, and its output, which the orchestrator captures
/// to the function's console and which is read back from there for the invocations' log tails.
/// Disposing it kills the process (an environment that timed out is discarded, as in Lambda).
/// </summary>
internal sealed class OrchestratedProcess : IFunctionProcess
{
    private const string ProcessIdProperty = "executable.pid";

    /// <summary>
    /// How late the orchestrator delivers a line the process wrote. Measured from the moment an
    /// invocation's response reached the caller to the arrival of a line the function logged just
    /// before responding, over 40 invocations on a busy 2-core machine: median 96 ms, 90th
    /// percentile 145 ms, the slowest 691 ms. The orchestrator passes on captured output in batches
    /// about every 100 ms; this covers all but the rare stall.
    /// </summary>
    private static readonly TimeSpan CapturedOutputDelay = TimeSpan.FromMilliseconds(500);

    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _watching = new();
    private readonly Task _watch;
    /// <summary>The process the orchestrator launched (0 until it runs).</summary>
    private int _processId;

    /// <summary>The function below the launched <c>dotnet run</c> (0 until found).</summary>
    private int _functionProcessId;
    private int _disposed;

    /// <param name="onOutput">Receives each line the process writes, with the time it was written.</param>
    public OrchestratedProcess(ResourceNotificationService notifications, IResource resource, FunctionConsole console, Action<DateTimeOffset, string> onOutput) =>
        _watch = Task.WhenAll(
            WatchAsync(notifications, resource, _watching.Token),
            console.WatchOrchestratedOutputAsync(onOutput, _watching.Token));

    public Task<int> Exited => _exited.Task;

    public TimeSpan OutputDelay => CapturedOutputDelay;

    /// <remarks>Asked on every invocation (for its memory report): the function's id is looked up once, then kept.</remarks>
    public int? ProcessId
    {
        get
        {
            if (Volatile.Read(ref _functionProcessId) is > 0 and var known)
            {
                return known;
            }
            if (Volatile.Read(ref _processId) is not (> 0 and var launched))
            {
                return null;
            }
            var function = FunctionProcessOf(launched);
            if (function != launched)
            {
                Volatile.Write(ref _functionProcessId, function);
            }
            return function;
        }
    }

    public IReadOnlyList<string> LastOutput(int lines) => [];

    public async ValueTask DisposeAsync()
    {
        // An environment stops its process when it dies and again when it is discarded.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        if (!_exited.Task.IsCompleted && ProcessId is { } processId)
        {
            try
            {
                using var process = Process.GetProcessById(processId);
                process.Kill(entireProcessTree: true);
            }
            catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
            {
                // Already gone.
            }
            await ((Task)_exited.Task.WaitAsync(TimeSpan.FromSeconds(10))).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        await _watching.CancelAsync();
        await _watch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _watching.Dispose();
    }

    /// <summary>
    /// The orchestrator runs a project through <c>dotnet run</c>, whose child is the function itself:
    /// that child, where Linux's /proc tells it, else the process the orchestrator reported.
    /// </summary>
    private static int FunctionProcessOf(int launched)
    {
        try
        {
            var children = File.ReadAllText($"/proc/{launched}/task/{launched}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return children.Length == 1 ? int.Parse(children[0], CultureInfo.InvariantCulture) : launched;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return launched;
        }
    }

    private async Task WatchAsync(ResourceNotificationService notifications, IResource resource, CancellationToken cancellationToken)
    {
        // The first update may be an earlier process's end: only an exit after this process ran counts.
        var running = false;
        await foreach (var update in notifications.WatchAsync(cancellationToken))
        {
            if (update.Resource != resource)
            {
                continue;
            }
            var state = update.Snapshot.State?.Text;
            if (state == KnownResourceStates.Running)
            {
                running = true;
                var id = update.Snapshot.Properties.FirstOrDefault(property => property.Name == ProcessIdProperty)?.Value;
                if (id is not null && int.TryParse(Convert.ToString(id, CultureInfo.InvariantCulture), out var processId))
                {
                    Volatile.Write(ref _processId, processId);
                }
            }
            else if (running && state is not null && KnownResourceStates.TerminalStates.Contains(state))
            {
                _exited.TrySetResult(update.Snapshot.ExitCode ?? -1);
                return;
            }
        }
    }
}
