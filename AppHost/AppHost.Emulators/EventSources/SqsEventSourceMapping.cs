using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AppHost.Definition;
using AppHost.Emulators.Lambda;

namespace AppHost.Emulators.EventSources;

/// <summary>
/// Plays Lambda's event source mapping for an SQS queue. Pollers long-poll the queue, gather a batch (batch
/// size, batching window) and invoke the function synchronously with Lambda's SQS event. A batch that succeeds
/// is deleted; with <c>ReportBatchItemFailures</c>, only the messages the function reports stay (an empty or
/// unknown identifier fails the whole batch, as Lambda does); a failed invocation deletes nothing. What stays
/// becomes visible again after the queue's visibility timeout and, past the queue's <c>maxReceiveCount</c>,
/// the queue moves it to its dead-letter queue. Pollers scale with the backlog as Lambda's do: one long-polls an idle
/// queue; when messages come, five read batches at once (<see cref="StartingPollers"/>); one more while batches come
/// back full, one fewer after an empty long poll; never more than the mapping's maximum concurrency (or the
/// function's). A FIFO
/// queue hands out each message group in order and holds it while a batch of it is in flight.
/// </summary>
public sealed class SqsEventSourceMapping : IAsyncDisposable
{
    /// <summary>Messages per receive call: SQS's maximum.</summary>
    private const int MessagesPerReceive = 10;
    private const int LongPollSeconds = 20;

    /// <summary>The batches Lambda processes at once as soon as a queue has messages, before it scales further.</summary>
    public const int StartingPollers = 5;

    private readonly QueueEventSourceDefinition _definition;
    private readonly string _queueUrl;
    private readonly string _queueArn;
    private readonly SqsQueueClient _sqs;
    private readonly LambdaFunction _function;
    private readonly EventSourceOptions _options;
    private readonly Action<string> _log;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _pollers = [];
    private readonly int _maxPollers;
    private int _activePollers;

    public SqsEventSourceMapping(
        QueueEventSourceDefinition definition,
        string queueUrl,
        string queueArn,
        SqsQueueClient sqs,
        LambdaFunction function,
        EventSourceOptions? options = null,
        Action<string>? log = null)
    {
        if (definition.BatchSize is < 1 or > 10_000)
        {
            throw new ArgumentException($"The batch size of {function.Settings.Name}'s mapping of {definition.Queue} is {definition.BatchSize}; Lambda allows 1 to 10,000.", nameof(definition));
        }
        if (definition.BatchSize > MessagesPerReceive && definition.MaximumBatchingWindowSeconds == 0)
        {
            throw new ArgumentException($"The batch size of {function.Settings.Name}'s mapping of {definition.Queue} is {definition.BatchSize}; above 10 Lambda needs a batching window of at least 1 s.", nameof(definition));
        }
        _definition = definition;
        _queueUrl = queueUrl;
        _queueArn = queueArn;
        _sqs = sqs;
        _function = function;
        _options = options ?? new EventSourceOptions();
        _log = log ?? (_ => { });
        _maxPollers = Math.Max(1, Math.Min(definition.MaximumConcurrency ?? int.MaxValue, function.Settings.EnvironmentLimit));
    }

    /// <summary>How many pollers (and so concurrent invocations) the mapping runs now.</summary>
    public int Pollers => Volatile.Read(ref _activePollers);

    /// <summary>The most pollers it runs: the mapping's maximum concurrency, capped by the function's environments.</summary>
    public int MaxPollers => _maxPollers;

    public void Start()
    {
        lock (_pollers)
        {
            if (_pollers.Count == 0)
            {
                StartPoller();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        Task[] pollers;
        lock (_pollers)
        {
            pollers = [.. _pollers];
        }
        await Task.WhenAll(pollers);
        _stopping.Dispose();
    }

    private void StartPoller()
    {
        Interlocked.Increment(ref _activePollers);
        _pollers.RemoveAll(poller => poller.IsCompleted);
        _pollers.Add(Task.Run(() => PollAsync(_stopping.Token)));
    }

    private async Task PollAsync(CancellationToken stopping)
    {
        var retired = false;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                List<JsonObject> batch;
                try
                {
                    batch = await GatherAsync(stopping);
                }
                catch (Exception failure) when (failure is HttpRequestException or SqsCallException && !stopping.IsCancellationRequested)
                {
                    _log($"{_function.Settings.Name} queue {_definition.Queue}: receiving failed ({failure.Message}); trying again");
                    await Task.Delay(_options.MaxRetryDelay, stopping);
                    continue;
                }
                if (batch.Count == 0)
                {
                    if (TryRetire())
                    {
                        retired = true;
                        return;
                    }
                    continue;
                }
                var full = batch.Count >= Math.Min(_definition.BatchSize, MessagesPerReceive);
                ScaleUpTo(full ? Math.Max(Pollers + 1, StartingPollers) : StartingPollers);
                await ProcessAsync(batch, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopped while receiving or invoking: what was received becomes visible again after its timeout.
        }
        finally
        {
            if (!retired)
            {
                Interlocked.Decrement(ref _activePollers);
            }
        }
    }

    /// <summary>An extra poller whose long poll found nothing stops (counted out here); the last one keeps polling.</summary>
    private bool TryRetire()
    {
        lock (_pollers)
        {
            if (_activePollers <= 1)
            {
                return false;
            }
            Interlocked.Decrement(ref _activePollers);
            return true;
        }
    }

    /// <summary>Starts pollers until <paramref name="target"/> run (at most <see cref="MaxPollers"/>).</summary>
    private void ScaleUpTo(int target)
    {
        lock (_pollers)
        {
            while (_activePollers < Math.Min(target, _maxPollers) && !_stopping.IsCancellationRequested)
            {
                StartPoller();
            }
        }
    }

    /// <summary>Receives a batch: the first message by long polling, then more until the batch is full or the batching window has passed.</summary>
    private async Task<List<JsonObject>> GatherAsync(CancellationToken stopping)
    {
        var batch = new List<JsonObject>();
        var window = TimeSpan.FromSeconds(_definition.MaximumBatchingWindowSeconds);
        var gathering = Stopwatch.StartNew();
        while (batch.Count < _definition.BatchSize)
        {
            var wait = batch.Count == 0 ? LongPollSeconds : (int)Math.Ceiling((window - gathering.Elapsed).TotalSeconds);
            if (batch.Count > 0 && wait <= 0)
            {
                break;
            }
            var received = await _sqs.ReceiveAsync(_queueUrl, Math.Min(MessagesPerReceive, _definition.BatchSize - batch.Count), Math.Min(wait, LongPollSeconds), stopping);
            if (received.Count == 0 && batch.Count == 0)
            {
                return batch;
            }
            if (batch.Count == 0)
            {
                gathering.Restart();
            }
            batch.AddRange(received);
            if (received.Count == 0 || window == TimeSpan.Zero)
            {
                break;
            }
        }
        return batch;
    }

    private async Task ProcessAsync(List<JsonObject> messages, CancellationToken stopping)
    {
        using var activity = EmulatorTelemetry.EventSources.StartActivity(
            $"{_function.Settings.Name} process", ActivityKind.Consumer, default(ActivityContext), links: SenderLinks(messages));
        activity?.SetTag("messaging.system", "aws_sqs");
        activity?.SetTag("messaging.destination.name", _definition.Queue);
        activity?.SetTag("messaging.batch.message_count", messages.Count);
        activity?.SetTag("faas.invoked_name", _function.Settings.Name);

        var tags = LambdaMetrics.For(_function);
        tags.Add(LambdaMetrics.EventSourceTag, _queueArn);
        LambdaMetrics.BatchSize.Record(messages.Count, tags);
        var result = await _function.InvokeAsync(new LambdaInvocationRequest(BuildEvent(messages)), stopping);
        if (result.Status != InvocationStatus.Succeeded)
        {
            activity?.SetStatus(ActivityStatusCode.Error, result.Status.ToString());
            var reason = result.Status == InvocationStatus.Throttled ? "Throttled" : Encoding.UTF8.GetString(result.Payload);
            _log($"{_function.Settings.Name} queue {_definition.Queue}: batch of {messages.Count} failed ({reason}); its messages return to the queue after its visibility timeout");
            return;
        }
        var failed = _definition.ReportBatchItemFailures ? ReportedFailures(result.Payload, messages) : [];
        if (failed.Count > 0)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "batchItemFailures");
            _log($"{_function.Settings.Name} queue {_definition.Queue}: {failed.Count} of {messages.Count} message(s) reported failed; they return to the queue after its visibility timeout");
        }
        var done = messages.Where(message => !failed.Contains(MessageId(message))).Select(message => message["ReceiptHandle"]!.GetValue<string>()).ToList();
        if (done.Count > 0)
        {
            var notDeleted = await _sqs.DeleteAsync(_queueUrl, done, stopping);
            if (notDeleted.Count > 0)
            {
                _log($"{_function.Settings.Name} queue {_definition.Queue}: {notDeleted.Count} processed message(s) could not be deleted (their visibility timeout passed first); they will be delivered again");
            }
        }
    }

    /// <summary>
    /// The message ids the function reported in <c>batchItemFailures</c>; every message of the batch when an
    /// identifier is empty or not in the batch, as Lambda does; none when the response reports none.
    /// </summary>
    internal static HashSet<string> ReportedFailures(byte[] response, IReadOnlyList<JsonObject> messages)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(response);
        }
        catch (JsonException)
        {
            return [];
        }
        if (root is not JsonObject body || body["batchItemFailures"] is not JsonArray failures)
        {
            return [];
        }
        var ids = messages.Select(MessageId).ToHashSet(StringComparer.Ordinal);
        var failed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var failure in failures)
        {
            var identifier = (failure?["itemIdentifier"] as JsonValue)?.TryGetValue<string>(out var text) == true ? text : null;
            if (string.IsNullOrEmpty(identifier) || !ids.Contains(identifier))
            {
                return ids;
            }
            failed.Add(identifier);
        }
        return failed;
    }

    /// <summary>Lambda's SQS event: each message as its record, with the queue's ARN and region.</summary>
    private byte[] BuildEvent(List<JsonObject> messages)
    {
        var records = new JsonArray();
        foreach (var message in messages)
        {
            var record = new JsonObject
            {
                ["messageId"] = MessageId(message),
                ["receiptHandle"] = message["ReceiptHandle"]!.GetValue<string>(),
                ["body"] = message["Body"]!.GetValue<string>(),
                ["attributes"] = message["Attributes"]?.DeepClone() ?? new JsonObject(),
                ["messageAttributes"] = MessageAttributes(message["MessageAttributes"] as JsonObject),
                ["md5OfBody"] = message["MD5OfBody"]!.GetValue<string>(),
            };
            if (message["MD5OfMessageAttributes"]?.GetValue<string>() is { } attributesDigest)
            {
                record["md5OfMessageAttributes"] = attributesDigest;
            }
            record["eventSource"] = "aws:sqs";
            record["eventSourceARN"] = _queueArn;
            record["awsRegion"] = _function.Settings.Region;
            records.Add(record);
        }
        return Encoding.UTF8.GetBytes(new JsonObject { ["Records"] = records }.ToJsonString());
    }

    /// <summary>Message attributes as Lambda writes them: camelCase, with the (always empty) list values.</summary>
    private static JsonObject MessageAttributes(JsonObject? attributes)
    {
        var converted = new JsonObject();
        foreach (var (name, value) in attributes ?? [])
        {
            var attribute = new JsonObject();
            if (value?["StringValue"]?.GetValue<string>() is { } text)
            {
                attribute["stringValue"] = text;
            }
            if (value?["BinaryValue"]?.GetValue<string>() is { } binary)
            {
                attribute["binaryValue"] = binary;
            }
            attribute["stringListValues"] = new JsonArray();
            attribute["binaryListValues"] = new JsonArray();
            attribute["dataType"] = value?["DataType"]?.GetValue<string>();
            converted[name] = attribute;
        }
        return converted;
    }

    private static string MessageId(JsonObject message) => message["MessageId"]!.GetValue<string>();

    /// <summary>
    /// Links the batch to each sender's trace: a <c>traceparent</c> message attribute (W3C) or the
    /// <c>AWSTraceHeader</c> system attribute (X-Ray), whichever the sender set.
    /// </summary>
    private static List<ActivityLink> SenderLinks(List<JsonObject> messages) => messages
        .Select(message => message["MessageAttributes"]?["traceparent"]?["StringValue"]?.GetValue<string>() is { } traceparent
            && ActivityContext.TryParse(traceparent, null, out var context) ? context
            : XRayTraceHeader.TryParse(message["Attributes"]?["AWSTraceHeader"]?.GetValue<string>()))
        .Where(context => context != default)
        .Select(context => new ActivityLink(context))
        .Take(32)
        .ToList();
}
