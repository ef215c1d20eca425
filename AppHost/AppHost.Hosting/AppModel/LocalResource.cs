using AppHost.Processes;

namespace AppHost.Hosting.AppModel;

/// <summary>Where a resource is in its life, as the dashboard and <c>/api/resources</c> show it.</summary>
public enum ResourceState
{
    NotStarted,
    Waiting,
    Starting,
    Running,
    Healthy,
    Unhealthy,
    Exited,
    FailedToStart,
}

/// <summary>
/// One part of the local cloud: a process, an emulator, a table, an event source. The orchestrator
/// starts it once every resource it waits for is healthy, and stops it in reverse order.
/// </summary>
public abstract class LocalResource(string name) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name { get; } = name;

    /// <summary>What kind of resource this is: <c>DynamoDBLocal</c>, <c>Table</c>, <c>Function</c>, ...</summary>
    public abstract string Kind { get; }

    public ResourceState State { get; private set; } = ResourceState.NotStarted;

    public DateTimeOffset? StateChangedAt { get; private set; }

    public DateTimeOffset? StartedAt { get; private set; }

    public int Restarts { get; private set; }

    public int? ExitCode { get; private set; }

    /// <summary>Why the resource failed, when it did.</summary>
    public string? Error { get; private set; }

    /// <summary>The resource's console: its own output and the orchestrator's lines about it.</summary>
    public OutputBuffer Console { get; } = new(2000);

    /// <summary>URLs by endpoint name (<c>http</c>, <c>invoke</c>, ...).</summary>
    public Dictionary<string, Uri> Endpoints { get; } = [];

    /// <summary>Resources that must be healthy before this one starts.</summary>
    public List<LocalResource> WaitsFor { get; } = [];

    /// <summary>Resources whose connection settings this one receives.</summary>
    public List<LocalResource> References { get; } = [];

    /// <summary>Environment variables this resource adds for the resources that reference it.</summary>
    public virtual IReadOnlyDictionary<string, string> ConnectionEnvironment => new Dictionary<string, string>();

    /// <summary>Completes when the resource is healthy; fails when it could not start.</summary>
    public Task Ready => _ready.Task;

    /// <summary>Raised after every state change.</summary>
    public event Action<LocalResource>? Changed;

    protected internal abstract Task StartAsync(LocalCloudContext context, CancellationToken cancellationToken);

    protected internal abstract Task StopAsync();

    protected internal void SetState(ResourceState state, string? error = null, int? exitCode = null)
    {
        lock (_gate)
        {
            State = state;
            StateChangedAt = DateTimeOffset.UtcNow;
            if (state == ResourceState.Starting && StartedAt is not null)
            {
                Restarts++;
            }
            if (state == ResourceState.Starting)
            {
                StartedAt = DateTimeOffset.UtcNow;
            }
            Error = error ?? (state is ResourceState.Healthy or ResourceState.Running ? null : Error);
            ExitCode = exitCode ?? ExitCode;
        }
        if (state == ResourceState.Healthy)
        {
            _ready.TrySetResult();
        }
        else if (state == ResourceState.FailedToStart)
        {
            _ready.TrySetException(new ResourceFailedException(Name, error ?? "failed to start"));
        }
        Changed?.Invoke(this);
    }

    internal void Log(string line) => Console.Add(line);

    /// <summary>Stops the resource (the orchestrator does this in reverse start order).</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        GC.SuppressFinalize(this);
    }
}

/// <summary>A resource could not start; the message names it and says why.</summary>
public sealed class ResourceFailedException(string resource, string reason) : Exception($"{resource}: {reason}")
{
    public string Resource { get; } = resource;

    public string Reason { get; } = reason;
}
