using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;

namespace AppHost.Hosting.AppModel;

/// <summary>
/// The orchestrator: starts resources in dependency order (independent ones in parallel), forwards
/// their consoles, prints a summary, and on Ctrl+C or SIGTERM stops everything in reverse order.
/// </summary>
public sealed class LocalCloudApp : IAsyncDisposable
{
    private static readonly TimeSpan StopBudget = TimeSpan.FromSeconds(5);
    private readonly List<LocalResource> _resources;
    private readonly LocalCloudContext _context;
    private readonly ConsoleForwarder _console;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stopping;
    private EmulatorTelemetryExport? _telemetry;

    internal LocalCloudApp(IReadOnlyList<LocalResource> resources, LocalCloudOptions options, IConfiguration configuration)
    {
        _resources = [.. resources];
        Options = options;
        _console = new ConsoleForwarder(options.ForwardConsole, _resources);
        _context = new LocalCloudContext(options, configuration, (resource, line) =>
        {
            resource.Log(line);
            _console.Write(resource, line);
        });
    }

    public LocalCloudOptions Options { get; }

    public IReadOnlyList<LocalResource> Resources => _resources;

    /// <summary>How long the last start took, from the first resource to the last one healthy.</summary>
    public TimeSpan StartDuration { get; private set; }

    public LocalResource this[string name] => _resources.SingleOrDefault(resource => resource.Name == name)
        ?? throw new KeyNotFoundException($"No resource named '{name}'.");

    /// <summary>Starts every resource; returns when each is healthy or failed. Failures are recorded on the resource.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        if (!string.IsNullOrEmpty(Options.OtlpEndpoint))
        {
            _telemetry = new EmulatorTelemetryExport(Options.OtlpEndpoint, _resources);
        }
        var starts = _resources.ToDictionary(resource => resource, resource => (Task?)null);
        foreach (var resource in _resources)
        {
            starts[resource] = StartResourceAsync(resource, cancellationToken);
        }
        await Task.WhenAll(starts.Values.OfType<Task>());
        StartDuration = clock.Elapsed;
    }

    private async Task StartResourceAsync(LocalResource resource, CancellationToken cancellationToken)
    {
        if (resource.WaitsFor.Count > 0)
        {
            resource.SetState(ResourceState.Waiting);
            try
            {
                await Task.WhenAll(resource.WaitsFor.Select(dependency => dependency.Ready));
            }
            catch (ResourceFailedException failure)
            {
                resource.SetState(ResourceState.FailedToStart, $"waits for {failure.Resource}, which failed to start");
                return;
            }
        }
        try
        {
            await resource.StartAsync(_context, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped while starting: record it, so resources waiting for this one stop waiting.
            resource.SetState(ResourceState.FailedToStart, "the start was cancelled");
        }
        catch (Exception failure)
        {
            var reason = failure is ResourceFailedException resourceFailure ? resourceFailure.Reason : failure.Message;
            _context.Log(resource, "failed to start: " + reason);
            resource.SetState(ResourceState.FailedToStart, reason);
        }
    }

    /// <summary>
    /// Starts the app, prints where everything listens, and runs until Ctrl+C or SIGTERM; then stops
    /// everything. Under <see cref="LocalCloudTesting"/> it hands the started app to the test instead
    /// and runs until the test disposes it. Returns the process exit code.
    /// </summary>
    public async Task<int> RunAsync()
    {
        if (LocalCloudTesting.TakeCapture() is { } capture)
        {
            await StartAsync();
            capture.TrySetResult(this);
            await _stopped.Task;
            return 0;
        }

        using var interrupted = new CancellationTokenSource();
        Console.CancelKeyPress += (_, press) =>
        {
            press.Cancel = true;
            interrupted.Cancel();
        };
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            interrupted.Cancel();
        });

        await StartAsync(interrupted.Token);
        _console.PrintSummary(StartDuration);
        var failed = _resources.Any(resource => resource.State == ResourceState.FailedToStart);
        try
        {
            await Task.Delay(Timeout.Infinite, interrupted.Token);
        }
        catch (OperationCanceledException)
        {
            _console.Announce("Stopping ...");
        }
        var clock = Stopwatch.StartNew();
        await StopAsync();
        _console.Announce($"Stopped in {clock.Elapsed.TotalSeconds:0.0} s.");
        return failed ? 1 : 0;
    }

    /// <summary>A client for a resource's endpoint (by default its <c>http</c> endpoint).</summary>
    public HttpClient CreateHttpClient(string resourceName, string endpointName = "http") =>
        new() { BaseAddress = GetEndpoint(resourceName, endpointName) };

    public Uri GetEndpoint(string resourceName, string endpointName = "http") =>
        this[resourceName].Endpoints.TryGetValue(endpointName, out var endpoint)
            ? endpoint
            : throw new InvalidOperationException($"{resourceName} has no '{endpointName}' endpoint (state {this[resourceName].State}).");

    /// <summary>Stops every resource in reverse start order, each within the stop budget.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0)
        {
            await _stopped.Task;
            return;
        }
        foreach (var resource in Enumerable.Reverse(_resources))
        {
            try
            {
                await resource.StopAsync().WaitAsync(StopBudget);
            }
            catch (TimeoutException)
            {
                _context.Log(resource, $"did not stop within {StopBudget.TotalSeconds:0} s");
            }
        }
        _telemetry?.Dispose();
        _stopped.TrySetResult();
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
