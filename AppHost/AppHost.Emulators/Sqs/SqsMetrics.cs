using System.Diagnostics.Metrics;

namespace AppHost.Emulators.Sqs;

/// <summary>
/// The queues' CloudWatch metrics under their CloudWatch names, with the <c>QueueName</c> dimension, in the meter
/// <see cref="MeterName"/>: <c>ApproximateNumberOfMessagesVisible</c>, <c>ApproximateNumberOfMessagesNotVisible</c>,
/// <c>ApproximateNumberOfMessagesDelayed</c> and <c>ApproximateAgeOfOldestMessage</c> (seconds), read when collected.
/// </summary>
public sealed class SqsMetrics : IDisposable
{
    public const string MeterName = "LocalCloud.Sqs";
    public const string QueueNameTag = "QueueName";

    private readonly Meter _meter = new(MeterName);

    public SqsMetrics(IQueueStore store)
    {
        _meter.CreateObservableGauge("ApproximateNumberOfMessagesVisible", () => Measure(store, depth => depth.Visible), "{message}");
        _meter.CreateObservableGauge("ApproximateNumberOfMessagesNotVisible", () => Measure(store, depth => depth.InFlight), "{message}");
        _meter.CreateObservableGauge("ApproximateNumberOfMessagesDelayed", () => Measure(store, depth => depth.Delayed), "{message}");
        _meter.CreateObservableGauge("ApproximateAgeOfOldestMessage", () => Measure(store, depth => (int)(depth.OldestMessageAge?.TotalSeconds ?? 0)), "s");
    }

    public void Dispose() => _meter.Dispose();

    private static IEnumerable<Measurement<int>> Measure(IQueueStore store, Func<QueueDepth, int> value) =>
        store.All().Select(queue => new Measurement<int>(value(queue.Depth()), new KeyValuePair<string, object?>(QueueNameTag, queue.Name)));
}
