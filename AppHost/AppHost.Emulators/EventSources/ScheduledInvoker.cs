using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AppHost.Definition;
using AppHost.Emulators.Lambda;

namespace AppHost.Emulators.EventSources;

/// <summary>
/// Plays an EventBridge schedule rule: invokes the function asynchronously with a "Scheduled Event"
/// at every firing of the expression, and on demand with <see cref="TriggerNowAsync"/>.
/// </summary>
public sealed class ScheduledInvoker : IAsyncDisposable
{
    private readonly ScheduleDefinition _definition;
    private readonly LambdaFunction _function;
    private readonly string _region;
    private readonly Action<string> _log;
    private readonly TimeProvider _clock;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public ScheduledInvoker(ScheduleDefinition definition, LambdaFunction function, string region, Action<string>? log = null, TimeProvider? clock = null)
    {
        _definition = definition;
        Expression = ScheduleExpression.Parse(definition.Expression);
        _function = function;
        _region = region;
        _log = log ?? (_ => { });
        _clock = clock ?? TimeProvider.System;
    }

    public ScheduleExpression Expression { get; }

    /// <summary>When the schedule fires next, while running.</summary>
    public DateTimeOffset? NextFiring { get; private set; }

    public string RuleArn => $"arn:aws:events:{_region}:{LambdaLimits.AccountId}:rule/{_definition.Name}";

    public void Start() => _loop ??= Task.Run(() => RunAsync(_stopping.Token));

    /// <summary>Invokes the function with a scheduled event for now, as a firing would.</summary>
    public Task<InvocationResult> TriggerNowAsync(CancellationToken cancellationToken = default) =>
        InvokeAsync(_clock.GetUtcNow(), cancellationToken);

    /// <summary>The event EventBridge sends for a firing at <paramref name="time"/>.</summary>
    public byte[] ScheduledEvent(DateTimeOffset time) => System.Text.Encoding.UTF8.GetBytes(new JsonObject
    {
        ["version"] = "0",
        ["id"] = Guid.NewGuid().ToString(),
        ["detail-type"] = "Scheduled Event",
        ["source"] = "aws.events",
        ["account"] = LambdaLimits.AccountId,
        ["time"] = time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ["region"] = _region,
        ["resources"] = new JsonArray(RuleArn),
        ["detail"] = new JsonObject(),
    }.ToJsonString());

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var from = _clock.GetUtcNow();
        while (!stopping.IsCancellationRequested && Expression.NextAfter(from) is { } next)
        {
            NextFiring = next;
            var wait = next - _clock.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _clock, stopping);
            }
            var result = await InvokeAsync(next, stopping);
            _log($"{_definition.Name} fired at {next:u}: {result.Status} ({result.RequestId})");
            from = next;
        }
    }

    private async Task<InvocationResult> InvokeAsync(DateTimeOffset time, CancellationToken cancellationToken)
    {
        using var activity = EmulatorTelemetry.EventSources.StartActivity($"{_definition.Name} fire", ActivityKind.Producer);
        activity?.SetTag("faas.trigger", "timer");
        activity?.SetTag("faas.cron", Expression.Text);
        return await _function.InvokeAsync(new LambdaInvocationRequest(ScheduledEvent(time)), cancellationToken);
    }
}
