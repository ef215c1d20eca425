using AppHost.Definition;
using AppHost.Emulators.EventSources;
using AppHost.Emulators.Lambda;

namespace AppHost.Hosting.AppModel;

/// <summary>An EventBridge schedule of the app definition that invokes its function; can be triggered now.</summary>
public sealed class ScheduleResource(ScheduleDefinition definition, FunctionResource function) : LocalResource(definition.Name)
{
    private ScheduledInvoker? _invoker;

    public override string Kind => "Schedule";

    public ScheduleDefinition Definition { get; } = definition;

    /// <summary>When the schedule fires next, while running.</summary>
    public DateTimeOffset? NextFiring => _invoker?.NextFiring;

    /// <summary>Invokes the function with a scheduled event now, as a firing would.</summary>
    public Task<InvocationResult> TriggerNowAsync(CancellationToken cancellationToken = default) =>
        (_invoker ?? throw new InvalidOperationException($"{Name} is not running.")).TriggerNowAsync(cancellationToken);

    protected internal override Task StartAsync(LocalCloudContext context, CancellationToken cancellationToken)
    {
        SetState(ResourceState.Starting);
        _invoker = new ScheduledInvoker(Definition, function.Function!, context.Options.Region, line => context.Log(this, line));
        _invoker.Start();
        context.Log(this, $"{Definition.Expression} → {function.Name}");
        SetState(ResourceState.Healthy);
        return Task.CompletedTask;
    }

    protected internal override async Task StopAsync()
    {
        if (_invoker is not null)
        {
            await _invoker.DisposeAsync();
        }
        SetState(ResourceState.Exited);
    }
}
