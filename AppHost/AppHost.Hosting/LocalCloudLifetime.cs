using Microsoft.Extensions.Hosting;

namespace AppHost.Hosting;

/// <summary>
/// Stops what the AppHost hosts itself (emulators, pollers, the function processes the emulator
/// started) when the AppHost stops, newest first, before the orchestrator stops its processes.
/// </summary>
internal sealed class LocalCloudLifetime : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Stack<IAsyncDisposable> _running = new();
    private readonly Lock _gate = new();

    /// <summary>Fires when the AppHost begins to stop.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Registers something to stop with the AppHost.</summary>
    public T Own<T>(T running)
        where T : IAsyncDisposable
    {
        lock (_gate)
        {
            _running.Push(running);
        }
        return running;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync();
        }
        while (true)
        {
            IAsyncDisposable? next;
            lock (_gate)
            {
                if (!_running.TryPop(out next))
                {
                    return;
                }
            }
            await next.DisposeAsync();
        }
    }

    /// <remarks>Stopping may be observed after disposal (the host stops, then disposes): the token source is not disposed.</remarks>
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);
}
