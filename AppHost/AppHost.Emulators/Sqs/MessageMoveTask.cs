using System.Buffers.Text;
using System.Text;
using System.Text.Json.Nodes;

namespace AppHost.Emulators.Sqs;

/// <summary>
/// A StartMessageMoveTask run: moves the messages visible in a dead-letter queue when it starts (at most that
/// many) to one destination queue or, with none given, each back to the queue it was dead-lettered from,
/// optionally at most <see cref="MaxNumberOfMessagesPerSecond"/> a second. A message whose destination is gone
/// stays in the dead-letter queue and the task fails, naming why.
/// </summary>
internal sealed class MessageMoveTask : IDisposable
{
    private const int MessagesPerStep = 10;

    private readonly SqsQueue _source;
    private readonly Func<string, SqsQueue?> _findQueueByArn;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _cancellation = new();
    private readonly object _gate = new();
    private long _moved;
    private string _status = "RUNNING";
    private string? _failureReason;

    private MessageMoveTask(SqsQueue source, string? destinationArn, int? maxNumberOfMessagesPerSecond, Func<string, SqsQueue?> findQueueByArn, TimeProvider time)
    {
        _source = source;
        _findQueueByArn = findQueueByArn;
        _time = time;
        DestinationArn = destinationArn;
        MaxNumberOfMessagesPerSecond = maxNumberOfMessagesPerSecond;
        StartedAt = time.GetUtcNow();
        ToMove = source.VisibleCount();
        TaskHandle = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(new JsonObject { ["taskId"] = Guid.NewGuid().ToString(), ["sourceArn"] = source.Arn }.ToJsonString()));
    }

    public string TaskHandle { get; }

    public string SourceArn => _source.Arn;

    public string? DestinationArn { get; }

    public int? MaxNumberOfMessagesPerSecond { get; }

    public DateTimeOffset StartedAt { get; }

    public long ToMove { get; }

    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _status == "RUNNING";
            }
        }
    }

    /// <summary>The moving, running in the background until done, failed or cancelled.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public static MessageMoveTask Start(SqsQueue source, string? destinationArn, int? maxNumberOfMessagesPerSecond, Func<string, SqsQueue?> findQueueByArn, TimeProvider time)
    {
        var task = new MessageMoveTask(source, destinationArn, maxNumberOfMessagesPerSecond, findQueueByArn, time);
        task.Completion = Task.Run(task.MoveAsync);
        return task;
    }

    /// <summary>Stops the task after the message it is moving; returns how many it moved.</summary>
    public long Cancel()
    {
        lock (_gate)
        {
            if (_status == "RUNNING")
            {
                _status = "CANCELLING";
            }
        }
        _cancellation.Cancel();
        return Interlocked.Read(ref _moved);
    }

    /// <summary>Releases the cancellation source; only once <see cref="Completion"/> is done.</summary>
    public void Dispose() => _cancellation.Dispose();

    /// <summary>The task as ListMessageMoveTasks describes it (the handle only while it runs).</summary>
    public JsonObject Describe()
    {
        lock (_gate)
        {
            var entry = new JsonObject();
            if (_status == "RUNNING")
            {
                entry[nameof(TaskHandle)] = TaskHandle;
            }
            entry["Status"] = _status;
            entry[nameof(SourceArn)] = SourceArn;
            if (DestinationArn is not null)
            {
                entry[nameof(DestinationArn)] = DestinationArn;
            }
            if (MaxNumberOfMessagesPerSecond is not null)
            {
                entry[nameof(MaxNumberOfMessagesPerSecond)] = MaxNumberOfMessagesPerSecond;
            }
            entry["ApproximateNumberOfMessagesMoved"] = Interlocked.Read(ref _moved);
            entry["ApproximateNumberOfMessagesToMove"] = ToMove;
            if (_failureReason is not null)
            {
                entry["FailureReason"] = _failureReason;
            }
            entry["StartedTimestamp"] = StartedAt.ToUnixTimeMilliseconds();
            return entry;
        }
    }

    private async Task MoveAsync()
    {
        var token = _cancellation.Token;
        try
        {
            while (!token.IsCancellationRequested && Interlocked.Read(ref _moved) < ToMove)
            {
                var step = (int)Math.Min(MessagesPerStep, ToMove - Interlocked.Read(ref _moved));
                if (MaxNumberOfMessagesPerSecond is { } rate)
                {
                    step = Math.Min(step, rate);
                }
                var taken = _source.TakeVisible(step);
                if (taken.Count == 0)
                {
                    break;
                }
                if (PlaceAll(taken) is { } failure)
                {
                    Finish("FAILED", failure);
                    return;
                }
                if (MaxNumberOfMessagesPerSecond is { } perSecond)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)taken.Count / perSecond), _time, token);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Cancelled between steps: what was moved stays moved.
        }
        Finish(token.IsCancellationRequested ? "CANCELLED" : "COMPLETED", null);
    }

    /// <summary>Places each taken message; on the first that cannot be placed, returns it and the rest to the source and says why.</summary>
    private string? PlaceAll(IReadOnlyList<StoredMessage> taken)
    {
        for (var index = 0; index < taken.Count; index++)
        {
            var message = taken[index];
            var destinationArn = DestinationArn ?? message.DeadLetterSourceArn;
            var destination = destinationArn is null ? null : _findQueueByArn(destinationArn);
            if (destination is null || !destination.AcceptMoved([message], deadLetterSourceArn: null, _source))
            {
                _source.Restore([.. taken.Skip(index)]);
                return destinationArn is null
                    ? $"Message {message.MessageId} was not dead-lettered from another queue; give a DestinationArn."
                    : $"The destination queue {destinationArn} does not exist.";
            }
            Interlocked.Increment(ref _moved);
        }
        return null;
    }

    private void Finish(string status, string? failureReason)
    {
        lock (_gate)
        {
            _status = status;
            _failureReason = failureReason;
        }
    }
}
