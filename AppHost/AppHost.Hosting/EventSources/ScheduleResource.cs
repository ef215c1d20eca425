using AppHost.Definition;
using AppHost.Emulators.EventSources;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

/// <summary>An EventBridge schedule (<c>rate(...)</c>, <c>cron(...)</c>) invoking its function; shown under it.</summary>
public sealed class ScheduleResource(ScheduleDefinition definition, LambdaFunctionResource parent)
    : Resource(definition.Name), IResourceWithParent<LambdaFunctionResource>, IResourceWithWaitSupport
{
    public ScheduleDefinition Definition { get; } = definition;

    public LambdaFunctionResource Parent { get; } = parent;

    /// <summary>The running schedule; null until started.</summary>
    public ScheduledInvoker? Invoker { get; internal set; }
}
