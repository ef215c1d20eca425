using System.Diagnostics;
using System.Globalization;
using AppHost.Emulators.Lambda;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

/// <summary>
/// The process of a function's orchestrated execution environment, as the orchestrator reports it:
/// its id once it runs, its exit once it has run. Its console is the orchestrator's to capture.
/// Disposing it kills the process (an environment that timed out is discarded, as in Lambda).
/// </summary>
internal sealed class OrchestratedProcess : IFunctionProcess
{
    private const string ProcessIdProperty = "executable.pid";

    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _watching = new();
    private readonly Task _watch;
    private int _processId;

    public OrchestratedProcess(ResourceNotificationService notifications, IResource resource) =>
        _watch = WatchAsync(notifications, resource, _watching.Token);

    public Task<int> Exited => _exited.Task;

    public int? ProcessId => Volatile.Read(ref _processId) is > 0 and var id ? id : null;

    public IReadOnlyList<string> LastOutput(int lines) => [];

    public async ValueTask DisposeAsync()
    {
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
