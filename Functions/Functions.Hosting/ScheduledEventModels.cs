using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Functions.Hosting;

/// <summary>The event an EventBridge schedule rule invokes its function with (<c>"detail-type": "Scheduled Event"</c>).</summary>
public sealed class ScheduledEvent
{
    public string Version { get; init; } = "0";

    public string Id { get; init; } = "";

    /// <summary><c>Scheduled Event</c>.</summary>
    [JsonPropertyName("detail-type")]
    public string DetailType { get; init; } = "";

    /// <summary><c>aws.events</c>.</summary>
    public string Source { get; init; } = "";

    public string Account { get; init; } = "";

    /// <summary>When the rule fired (the scheduled time, in UTC).</summary>
    public DateTimeOffset Time { get; init; }

    public string Region { get; init; } = "";

    /// <summary>The rule's ARN.</summary>
    public IReadOnlyList<string> Resources { get; init; } = [];

    /// <summary>Empty for schedules; kept as sent.</summary>
    public JsonElement? Detail { get; init; }
}

/// <summary>
/// What a scheduled function answers. Schedules invoke asynchronously, so nobody reads it; it is
/// written as <c>{}</c>.
/// </summary>
public sealed class ScheduledEventResult
{
    public static ScheduledEventResult Done { get; } = new();
}

/// <summary>Handles one firing of an EventBridge schedule. Registered with <see cref="LambdaServiceCollectionExtensions.AddScheduledEventHandler"/>.</summary>
[SuppressMessage("Naming", "CA1711", Justification = "It handles Lambda events; it is not a .NET event's delegate.")]
public interface IScheduledEventHandler
{
    /// <summary>Does the scheduled work; an exception fails the invocation (Lambda then retries it, as for any asynchronous invocation).</summary>
    Task HandleAsync(ScheduledEvent scheduledEvent, LambdaContext context, CancellationToken cancellationToken);
}

/// <summary>Serves schedule firings with <typeparamref name="THandler"/>, resolved per invocation like any event handler.</summary>
internal sealed class ScheduledEventDispatch<THandler>(THandler handler) : ILambdaEventHandler<ScheduledEvent, ScheduledEventResult>
    where THandler : IScheduledEventHandler
{
    public async Task<ScheduledEventResult> HandleAsync(ScheduledEvent lambdaEvent, LambdaContext context, CancellationToken cancellationToken)
    {
        await handler.HandleAsync(lambdaEvent, context, cancellationToken);
        return ScheduledEventResult.Done;
    }
}
