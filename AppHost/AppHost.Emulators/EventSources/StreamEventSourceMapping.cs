using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AppHost.Definition;
using AppHost.Emulators.Lambda;

namespace AppHost.Emulators.EventSources;

/// <summary>Timing of the pollers; the defaults suit interactive use, tests shorten them.</summary>
public sealed class EventSourceOptions
{
    /// <summary>How often an idle shard is polled (Lambda: four times a second).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The first retry delay of a failed batch; doubled per attempt up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// After the stream stops answering, records delivered this long before are delivered again:
    /// DynamoDB Local can lose a transaction it acknowledged a few milliseconds before it was killed,
    /// so a function's writes for a record just delivered may be gone. Lambda delivers stream records
    /// at least once; an idempotent function counts them once.
    /// </summary>
    public TimeSpan RedeliveryWindow { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Plays Lambda's event source mapping for a DynamoDB stream: reads every shard in order, groups
/// records into batches (batch size, batching window), invokes the function synchronously, and on
/// failure retries with backoff, bisecting the batch and honouring <c>batchItemFailures</c>; records
/// that match none of the mapping's filter patterns are dropped before batching, as Lambda does; for a
/// batch that exhausts its retries, AWS's on-failure record (where the batch is in the stream) goes to the
/// on-failure destination and the shard moves on. When
/// the stream stops answering (DynamoDB Local died), reading resumes where it was
/// <see cref="EventSourceOptions.RedeliveryWindow"/> before, so no record whose effects the store
/// lost is skipped.
/// </summary>
public sealed class StreamEventSourceMapping : IAsyncDisposable
{
    private readonly StreamEventSourceDefinition _definition;
    private readonly string _streamArn;
    private readonly DynamoDbStreamsClient _streams;
    private readonly LambdaFunction _function;
    private readonly IFailureDestination _onFailure;
    private readonly EventSourceOptions _options;
    private readonly Action<string> _log;
    private readonly EventFilter _filter;
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Each shard's recent checkpoints: where reading resumes after a failure, kept across failures.</summary>
    private readonly Dictionary<string, ShardCheckpoints> _checkpoints = [];
    private Task? _loop;

    public StreamEventSourceMapping(
        StreamEventSourceDefinition definition,
        string streamArn,
        DynamoDbStreamsClient streams,
        LambdaFunction function,
        IFailureDestination onFailure,
        EventSourceOptions? options = null,
        Action<string>? log = null)
    {
        _definition = definition;
        _streamArn = streamArn;
        _streams = streams;
        _function = function;
        _onFailure = onFailure;
        _options = options ?? new EventSourceOptions();
        _log = log ?? (_ => { });
        _filter = new EventFilter(definition.FilterPatterns);
    }

    public void Start() => _loop ??= Task.Run(() => RunAsync(_stopping.Token));

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
                // Stopped while waiting or invoking.
            }
        }
        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var finished = new HashSet<string>();
        // Where each shard is read next. After any failure they are dropped and reading resumes after
        // each shard's checkpoint: an iterator of a restarted DynamoDB Local may no longer be valid.
        var iterators = new Dictionary<string, string>();
        while (!stopping.IsCancellationRequested)
        {
            var anyRecords = false;
            try
            {
                var shards = await _streams.DescribeShardsAsync(_streamArn, stopping);
                foreach (var shard in shards.Where(shard => !finished.Contains(shard.ShardId)
                             && (shard.ParentShardId is null || finished.Contains(shard.ParentShardId) || shards.All(other => other.ShardId != shard.ParentShardId))))
                {
                    if (!iterators.TryGetValue(shard.ShardId, out var iterator))
                    {
                        iterator = await FirstIteratorAsync(shard, stopping);
                    }
                    var (next, delivered) = await DrainShardAsync(shard, iterator, stopping);
                    anyRecords |= delivered;
                    if (next is null)
                    {
                        finished.Add(shard.ShardId);
                        iterators.Remove(shard.ShardId);
                    }
                    else
                    {
                        iterators[shard.ShardId] = next;
                    }
                }
            }
            catch (DynamoDbStreamsException failure) when (failure.IsExpiredIterator)
            {
                _log($"{_function.Settings.Name} stream: {failure.Message}; resuming after the last delivered record");
                iterators.Clear();
            }
            catch (StreamUnavailableException)
            {
                // A batch found the stream gone and waited for it: redeliver what the store may have lost.
                iterators.Clear();
                RewindCheckpoints();
            }
            catch (Exception failure) when (failure is HttpRequestException or DynamoDbStreamsException { IsServiceFailure: true })
            {
                _log($"{_function.Settings.Name} stream: polling failed ({failure.Message})");
                iterators.Clear();
                RewindCheckpoints();
                await WaitWhileStreamUnavailableAsync(stopping);
            }
            catch (Exception failure) when (failure is DynamoDbStreamsException)
            {
                _log($"{_function.Settings.Name} stream: polling failed ({failure.Message}); resuming after the last delivered record");
                iterators.Clear();
                await Task.Delay(_options.MaxRetryDelay, stopping);
            }
            catch (Exception failure) when (failure is not OperationCanceledException)
            {
                // Never stop silently: what was not delivered is read again on the next attempt.
                _log($"{_function.Settings.Name} stream: delivery failed ({failure.GetType().Name}: {failure.Message}); retrying");
                iterators.Clear();
                await Task.Delay(_options.MaxRetryDelay, stopping);
            }
            if (!anyRecords)
            {
                await Task.Delay(_options.PollInterval, stopping);
            }
        }
    }

    /// <summary>
    /// Where reading a shard begins: just after its checkpoint (<c>AFTER_SEQUENCE_NUMBER</c>), so a
    /// delivered record is never delivered again; without one, at the mapping's starting position.
    /// </summary>
    private Task<string> FirstIteratorAsync(StreamShard shard, CancellationToken stopping)
    {
        if (_checkpoints.TryGetValue(shard.ShardId, out var checkpoints) && checkpoints.Latest is { } lastDelivered)
        {
            return _streams.GetShardIteratorAsync(_streamArn, shard.ShardId, "AFTER_SEQUENCE_NUMBER", lastDelivered, stopping);
        }
        var type = _definition.StartingPosition == StartingPosition.Latest && shard.ParentShardId is null ? "LATEST" : "TRIM_HORIZON";
        return _streams.GetShardIteratorAsync(_streamArn, shard.ShardId, type, null, stopping);
    }

    /// <summary>Moves the shard's checkpoint to <paramref name="record"/>: it and everything before it are done.</summary>
    private void Checkpoint(StreamShard shard, JsonObject record)
    {
        if (SequenceNumber(record) is { } sequenceNumber)
        {
            if (!_checkpoints.TryGetValue(shard.ShardId, out var checkpoints))
            {
                _checkpoints[shard.ShardId] = checkpoints = new ShardCheckpoints();
            }
            checkpoints.Add(sequenceNumber, Environment.TickCount64, _options.RedeliveryWindow);
        }
    }

    /// <summary>
    /// Moves every shard's checkpoint back to where it was <see cref="EventSourceOptions.RedeliveryWindow"/>
    /// ago; a shard read from its trim horizon that has no checkpoint that old is read from there again.
    /// </summary>
    private void RewindCheckpoints()
    {
        var cutoff = Environment.TickCount64 - (long)_options.RedeliveryWindow.TotalMilliseconds;
        foreach (var (shardId, checkpoints) in _checkpoints.ToList())
        {
            if (!checkpoints.RewindTo(cutoff, keepOldest: _definition.StartingPosition == StartingPosition.Latest))
            {
                _checkpoints.Remove(shardId);
            }
        }
    }

    /// <summary>Reads a shard up to its current end, delivering full batches (and partial ones once the window has passed).</summary>
    private async Task<(string? NextIterator, bool Delivered)> DrainShardAsync(StreamShard shard, string iterator, CancellationToken stopping)
    {
        var buffer = new List<JsonObject>();
        var window = TimeSpan.FromSeconds(_definition.MaximumBatchingWindowSeconds);
        var firstBuffered = Stopwatch.StartNew();
        string? next = iterator;
        var delivered = false;
        while (next is not null)
        {
            var page = await _streams.GetRecordsAsync(next, Math.Min(1000, _definition.BatchSize), stopping);
            next = page.NextShardIterator;
            if (buffer.Count == 0)
            {
                firstBuffered.Restart();
            }
            // As Lambda filters: a record no pattern matches never reaches the function (nor its batch size).
            buffer.AddRange(_filter.PassesEverything ? page.Records : page.Records.Where(_filter.Matches));
            while (buffer.Count >= _definition.BatchSize)
            {
                await DeliverAsync(shard, buffer.Take(_definition.BatchSize).ToList(), stopping);
                buffer.RemoveRange(0, _definition.BatchSize);
                delivered = true;
            }
            if (buffer.Count == 0 && page.Records.Count > 0)
            {
                // Every record of the page is delivered or filtered out.
                Checkpoint(shard, page.Records[^1]);
            }
            if (page.Records.Count > 0)
            {
                continue;
            }
            if (buffer.Count > 0 && firstBuffered.Elapsed < window && next is not null)
            {
                await Task.Delay(_options.PollInterval, stopping);
                continue;
            }
            break;
        }
        if (buffer.Count > 0)
        {
            await DeliverAsync(shard, buffer, stopping);
            delivered = true;
        }
        return (next, delivered);
    }

    private async Task DeliverAsync(StreamShard shard, List<JsonObject> records, CancellationToken stopping)
    {
        await ProcessAsync(shard, records, attempt: 0, stopping);
        Checkpoint(shard, records[^1]);
    }

    private async Task ProcessAsync(StreamShard shard, List<JsonObject> records, int attempt, CancellationToken stopping)
    {
        var (failedFrom, status) = await InvokeAsync(shard, records, stopping);
        if (failedFrom is null)
        {
            return;
        }
        var remaining = records.GetRange(failedFrom.Value, records.Count - failedFrom.Value);
        if (await WaitWhileStreamUnavailableAsync(stopping))
        {
            // The function most likely failed because DynamoDB was down: that attempt does not count, and
            // the shard is read again from before the outage, this batch included.
            throw new StreamUnavailableException();
        }
        if (attempt >= _definition.MaximumRetryAttempts)
        {
            await SendToDestinationAsync(shard, remaining, status, attempt + 1, stopping);
            return;
        }
        var delay = TimeSpan.FromMilliseconds(Math.Min(_options.RetryDelay.TotalMilliseconds * Math.Pow(2, attempt), _options.MaxRetryDelay.TotalMilliseconds));
        await Task.Delay(delay, stopping);
        if (_definition.BisectBatchOnFunctionError && remaining.Count > 1)
        {
            var half = remaining.Count / 2;
            await ProcessAsync(shard, remaining.GetRange(0, half), attempt + 1, stopping);
            await ProcessAsync(shard, remaining.GetRange(half, remaining.Count - half), attempt + 1, stopping);
        }
        else
        {
            await ProcessAsync(shard, remaining, attempt + 1, stopping);
        }
    }

    /// <summary>
    /// As Lambda pauses a mapping whose event source is unavailable: while the stream does not answer,
    /// a failed batch waits for it instead of using up its retries. True when it had to wait.
    /// </summary>
    private async Task<bool> WaitWhileStreamUnavailableAsync(CancellationToken stopping)
    {
        var waited = false;
        while (true)
        {
            try
            {
                await _streams.DescribeShardsAsync(_streamArn, stopping);
                if (waited)
                {
                    _log($"{_function.Settings.Name} stream: the stream answers again; reading resumes {_options.RedeliveryWindow.TotalSeconds:0} s before the outage, records delivered since are delivered again");
                }
                return waited;
            }
            catch (Exception failure) when (failure is HttpRequestException or DynamoDbStreamsException { IsServiceFailure: true })
            {
                if (!waited)
                {
                    _log($"{_function.Settings.Name} stream: the stream does not answer ({failure.Message}); waiting for it (a failed batch does not use up its retries meanwhile)");
                }
                waited = true;
                await Task.Delay(_options.PollInterval, stopping);
            }
        }
    }

    /// <summary>Invokes the function with the batch; returns the index of the first record to retry (null: all done) and how the invocation ended.</summary>
    private async Task<(int? FailedFrom, InvocationStatus Status)> InvokeAsync(StreamShard shard, List<JsonObject> records, CancellationToken stopping)
    {
        using var activity = EmulatorTelemetry.EventSources.StartActivity(
            $"{_function.Settings.Name} process", ActivityKind.Consumer, default(ActivityContext), links: WriterLinks(records));
        activity?.SetTag("messaging.system", "aws_dynamodb_streams");
        activity?.SetTag("messaging.batch.message_count", records.Count);
        activity?.SetTag("faas.invoked_name", _function.Settings.Name);

        var payload = BuildEvent(records);
        RecordBatchMetrics(records);
        var result = await _function.InvokeAsync(new LambdaInvocationRequest(payload), stopping);
        if (result.Status != InvocationStatus.Succeeded)
        {
            activity?.SetStatus(ActivityStatusCode.Error, result.Status.ToString());
            var reason = result.Status == InvocationStatus.Throttled ? "Throttled" : Encoding.UTF8.GetString(result.Payload);
            _log($"{_function.Settings.Name} stream: batch of {records.Count} from {shard.ShardId} failed: {reason}");
            return (0, result.Status);
        }
        if (!_definition.ReportBatchItemFailures)
        {
            return (null, result.Status);
        }
        var failedFrom = FirstReportedFailure(result.Payload, records);
        if (failedFrom is not null)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "batchItemFailures");
            _log($"{_function.Settings.Name} stream: batch item failures from record {failedFrom} of {records.Count}");
        }
        return (failedFrom, result.Status);
    }

    /// <summary>CloudWatch's IteratorAge (the last record's age as the batch is handed over) and the batch size.</summary>
    private void RecordBatchMetrics(List<JsonObject> records)
    {
        var tags = LambdaMetrics.For(_function);
        tags.Add(LambdaMetrics.EventSourceTag, _streamArn);
        LambdaMetrics.BatchSize.Record(records.Count, tags);
        if (records[^1]["dynamodb"]?["ApproximateCreationDateTime"] is JsonValue created && created.TryGetValue<double>(out var seconds))
        {
            var age = DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch.AddSeconds(seconds);
            LambdaMetrics.IteratorAge.Record(Math.Max(0, age.TotalMilliseconds), tags);
        }
    }

    /// <summary>
    /// The lowest index among the reported <c>batchItemFailures</c>; 0 (the whole batch) when an
    /// identifier is empty or not in the batch, as Lambda does; null when none are reported.
    /// </summary>
    internal static int? FirstReportedFailure(byte[] response, List<JsonObject> records)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(response);
        }
        catch (JsonException)
        {
            return null;
        }
        if (root is not JsonObject body || body["batchItemFailures"] is not JsonArray failures || failures.Count == 0)
        {
            return null;
        }
        var lowest = int.MaxValue;
        foreach (var failure in failures)
        {
            var identifier = failure?["itemIdentifier"]?.GetValue<string>();
            var index = records.FindIndex(record => SequenceNumber(record) == identifier);
            if (string.IsNullOrEmpty(identifier) || index < 0)
            {
                return 0;
            }
            lowest = Math.Min(lowest, index);
        }
        return lowest;
    }

    private byte[] BuildEvent(List<JsonObject> records)
    {
        var array = new JsonArray();
        foreach (var record in records)
        {
            var copy = record.DeepClone().AsObject();
            copy["eventSourceARN"] = _streamArn;
            array.Add(copy);
        }
        return Encoding.UTF8.GetBytes(new JsonObject { ["Records"] = array }.ToJsonString());
    }

    /// <summary>
    /// Sends AWS's on-failure invocation record for the records that exhausted their retries (where they are in
    /// the stream, not the records themselves, as Lambda sends it) to the on-failure destination.
    /// </summary>
    private async Task SendToDestinationAsync(StreamShard shard, List<JsonObject> records, InvocationStatus status, int invocations, CancellationToken stopping)
    {
        _log($"{_function.Settings.Name} stream: {records.Count} record(s) from {shard.ShardId} exhausted {_definition.MaximumRetryAttempts} retries; sent to the on-failure destination {_onFailure.Arn}");
        var responseContext = new JsonObject
        {
            ["statusCode"] = status == InvocationStatus.Throttled ? 429 : 200,
            ["executedVersion"] = "$LATEST",
        };
        if (status == InvocationStatus.FunctionError)
        {
            responseContext["functionError"] = "Unhandled";
        }
        var record = new JsonObject
        {
            ["requestContext"] = new JsonObject
            {
                ["requestId"] = Guid.NewGuid().ToString(),
                ["functionArn"] = _function.Settings.Arn,
                ["condition"] = "RetryAttemptsExhausted",
                ["approximateInvokeCount"] = invocations,
            },
            ["responseContext"] = responseContext,
            ["version"] = "1.0",
            ["timestamp"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["DDBStreamBatchInfo"] = new JsonObject
            {
                ["shardId"] = shard.ShardId,
                ["startSequenceNumber"] = SequenceNumber(records[0]),
                ["endSequenceNumber"] = SequenceNumber(records[^1]),
                ["approximateArrivalOfFirstRecord"] = ArrivalOf(records[0]),
                ["approximateArrivalOfLastRecord"] = ArrivalOf(records[^1]),
                ["batchSize"] = records.Count,
                ["streamArn"] = _streamArn,
            },
        };
        try
        {
            await _onFailure.SendAsync(record, stopping);
        }
        catch (Exception failure) when (failure is HttpRequestException or SqsCallException)
        {
            _log($"{_function.Settings.Name} stream: the on-failure destination {_onFailure.Arn} refused the record ({failure.Message}): {record.ToJsonString()}");
        }
    }

    private static string? ArrivalOf(JsonObject record) =>
        record["dynamodb"]?["ApproximateCreationDateTime"] is JsonValue created && created.TryGetValue<double>(out var seconds)
            ? DateTimeOffset.UnixEpoch.AddSeconds(seconds).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)
            : null;

    /// <summary>A batch failed while the stream was not answering; the shards are read again from before the outage.</summary>
    private sealed class StreamUnavailableException : Exception;

    /// <summary>
    /// A shard's checkpoints of the last <see cref="EventSourceOptions.RedeliveryWindow"/>, and the newest
    /// one before it: enough to resume reading where it was a window ago.
    /// </summary>
    private sealed class ShardCheckpoints
    {
        private readonly List<(string SequenceNumber, long At)> _entries = [];

        public string? Latest => _entries.Count > 0 ? _entries[^1].SequenceNumber : null;

        public void Add(string sequenceNumber, long at, TimeSpan window)
        {
            _entries.Add((sequenceNumber, at));
            // Keep one entry at or before the window's start: the one to rewind to.
            var cutoff = at - (long)window.TotalMilliseconds;
            var older = _entries.FindLastIndex(entry => entry.At <= cutoff);
            if (older > 0)
            {
                _entries.RemoveRange(0, older);
            }
        }

        /// <summary>Drops the checkpoints after <paramref name="cutoff"/> (all but the oldest when <paramref name="keepOldest"/>); false when none is left.</summary>
        public bool RewindTo(long cutoff, bool keepOldest)
        {
            var oldest = _entries.Count > 0 ? _entries[0] : default;
            _entries.RemoveAll(entry => entry.At > cutoff);
            if (_entries.Count == 0 && keepOldest && oldest.SequenceNumber is not null)
            {
                _entries.Add(oldest);
            }
            return _entries.Count > 0;
        }
    }

    private static string? SequenceNumber(JsonObject record) => record["dynamodb"]?["SequenceNumber"]?.GetValue<string>();

    /// <summary>Links to the requests that wrote the records, from a <c>traceparent</c> attribute on the new images.</summary>
    private static List<ActivityLink> WriterLinks(List<JsonObject> records) => records
        .Select(record => record["dynamodb"]?["NewImage"]?["traceparent"]?["S"]?.GetValue<string>())
        .Where(traceparent => traceparent is not null)
        .Select(traceparent => ActivityContext.TryParse(traceparent, null, out var context) ? new ActivityLink(context) : default)
        .Where(link => link.Context != default)
        .Take(32)
        .ToList();
}
