using System.Globalization;
using System.Text;

namespace AppHost.Emulators.Sqs;

/// <summary>A queue's messages by state, and the age of its oldest message (CloudWatch's ApproximateAgeOfOldestMessage).</summary>
public sealed record QueueDepth(int Visible, int InFlight, int Delayed, TimeSpan? OldestMessageAge);

/// <summary>What one receive attempt found: the delivered messages, those it moved out for the dead-letter queue, and when to look again.</summary>
internal sealed record ReceiveAttempt(IReadOnlyList<DeliveredMessage> Delivered, IReadOnlyList<StoredMessage> ToDeadLetter, Task Changed, DateTimeOffset? NextVisibleAt);

/// <summary>
/// One queue: its attributes and its messages. Every operation on messages takes the queue's lock, so a
/// message is handed to one receiver at a time and stays invisible to others until its visibility timeout
/// passes, it is deleted, or its visibility is changed. A FIFO queue delivers each message group in send
/// order and holds a group back while any of its messages is in flight.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "It is an SQS queue, named as the service names it.")]
public sealed class SqsQueue
{
    private const int MaxMessageAttributes = 10;
    private static readonly TimeSpan DeduplicationInterval = TimeSpan.FromMinutes(5);

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    // In send order; linked so deleting any message is O(1).
    private readonly LinkedList<StoredMessage> _messages = new();
    private readonly Dictionary<string, StoredMessage> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string MessageId, string SequenceNumber, DateTimeOffset Until)> _deduplication = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _attributes;
    private readonly Dictionary<string, string> _tags = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = NewSignal();
    private long _nextPosition;
    private long _nextSequenceNumber;
    private bool _deleted;
    private DateTimeOffset _lastModifiedAt;
    private IQueueJournal? _journal;

    /// <summary>A queue with the given (already normalized) attributes on top of SQS's defaults.</summary>
    public SqsQueue(string name, Uri url, string arn, IReadOnlyDictionary<string, string> attributes, TimeProvider time)
        : this(name, url, arn, attributes, time, time.GetUtcNow())
    {
    }

    private SqsQueue(string name, Uri url, string arn, IReadOnlyDictionary<string, string> attributes, TimeProvider time, DateTimeOffset createdAt)
    {
        Name = name;
        Url = url;
        Arn = arn;
        IsFifo = name.EndsWith(".fifo", StringComparison.Ordinal);
        _time = time;
        _attributes = QueueAttributes.Defaults(IsFifo);
        foreach (var (key, value) in attributes)
        {
            _attributes[key] = value;
        }
        CreatedAt = _lastModifiedAt = createdAt;
        _nextSequenceNumber = CreatedAt.ToUnixTimeMilliseconds() * 1_000_000;
    }

    /// <summary>
    /// A queue as a journal left it: its settings, its messages (in their order) and its deduplication entries,
    /// under the URL and ARN the emulator gives it now.
    /// </summary>
    internal static SqsQueue Restored(
        string name, Uri url, string arn, JournalQueueState state, IEnumerable<StoredMessage> messages,
        IEnumerable<(string Key, string MessageId, string SequenceNumber, DateTimeOffset Until)> deduplication, TimeProvider time)
    {
        var queue = new SqsQueue(name, url, arn, state.Attributes, time, state.CreatedAt) { _lastModifiedAt = state.ModifiedAt };
        foreach (var (key, value) in state.Tags)
        {
            queue._tags[key] = value;
        }
        foreach (var message in messages.OrderBy(message => message.Position))
        {
            message.Node = queue._messages.AddLast(message);
            queue._byId[message.MessageId] = message;
            queue._nextPosition = message.Position + 1;
        }
        foreach (var (key, messageId, sequenceNumber, until) in deduplication)
        {
            queue._deduplication[key] = (messageId, sequenceNumber, until);
        }
        // Sequence numbers only grow: past every one given out before, and, like a new queue's, from the clock.
        var given = queue._messages.Select(message => message.SequenceNumber)
            .Concat(queue._deduplication.Values.Select(entry => entry.SequenceNumber))
            .Select(number => number is null ? 0 : long.Parse(number, CultureInfo.InvariantCulture))
            .DefaultIfEmpty(0)
            .Max();
        queue._nextSequenceNumber = Math.Max(Math.Max(state.NextSequenceNumber, given), time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000);
        return queue;
    }

    /// <summary>From now on, every change of this queue's state is written to <paramref name="journal"/>.</summary>
    internal void AttachJournal(IQueueJournal journal)
    {
        lock (_gate)
        {
            _journal = journal;
        }
    }

    /// <summary>The queue's whole state as journal entries: its settings, each message, each deduplication entry.</summary>
    internal IReadOnlyList<QueueJournalEntry> Snapshot()
    {
        lock (_gate)
        {
            List<QueueJournalEntry> entries = [StateEntry()];
            entries.AddRange(_messages.Select(PutEntry));
            entries.AddRange(_deduplication.Select(entry => DeduplicationEntry(entry.Key, entry.Value)));
            return entries;
        }
    }

    public string Name { get; }

    public Uri Url { get; }

    public string Arn { get; }

    public bool IsFifo { get; }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>The settable attributes as they are now.</summary>
    public IReadOnlyDictionary<string, string> Attributes
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, string>(_attributes, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>The dead-letter queue and receive limit of the queue's RedrivePolicy, if it has one.</summary>
    public (string DeadLetterTargetArn, int MaxReceiveCount)? Redrive
    {
        get
        {
            lock (_gate)
            {
                return QueueAttributes.ParseRedrivePolicy(_attributes.GetValueOrDefault(QueueAttributes.RedrivePolicy));
            }
        }
    }

    /// <summary>Applies already normalized settable attributes (an empty RedrivePolicy removes it).</summary>
    public void SetAttributes(IReadOnlyDictionary<string, string> attributes)
    {
        lock (_gate)
        {
            foreach (var (name, value) in attributes)
            {
                if (name == QueueAttributes.RedrivePolicy && value.Length == 0)
                {
                    _attributes.Remove(name);
                }
                else
                {
                    _attributes[name] = value;
                }
            }
            _lastModifiedAt = _time.GetUtcNow();
            Journal(StateEntry());
            Signal();
        }
    }

    /// <summary>The queue's cost-allocation tags.</summary>
    public IReadOnlyDictionary<string, string> Tags
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, string>(_tags, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Adds or replaces tags, keeping at most 50 (SQS's limit).</summary>
    public void Tag(IReadOnlyDictionary<string, string> tags)
    {
        lock (_gate)
        {
            var keys = _tags.Keys.Union(tags.Keys, StringComparer.Ordinal).Count();
            if (keys > 50)
            {
                throw SqsException.InvalidParameterValue($"Too many tags added for queue {Name}: a queue can have at most 50 tags.");
            }
            foreach (var (key, value) in tags)
            {
                _tags[key] = value;
            }
            Journal(StateEntry());
        }
    }

    /// <summary>Removes the tags with these keys (absent ones are ignored).</summary>
    public void Untag(IEnumerable<string> keys)
    {
        lock (_gate)
        {
            foreach (var key in keys)
            {
                _tags.Remove(key);
            }
            Journal(StateEntry());
        }
    }

    /// <summary>Every attribute, settable and computed, as GetQueueAttributes returns them.</summary>
    public Dictionary<string, string> AllAttributes()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            DropExpired(now);
            var attributes = new Dictionary<string, string>(_attributes, StringComparer.Ordinal)
            {
                ["ApproximateNumberOfMessages"] = Count(message => message.VisibleAt <= now),
                ["ApproximateNumberOfMessagesNotVisible"] = Count(message => message.VisibleAt > now && message.IsReceived),
                ["ApproximateNumberOfMessagesDelayed"] = Count(message => message.VisibleAt > now && !message.IsReceived),
                ["CreatedTimestamp"] = CreatedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                ["LastModifiedTimestamp"] = _lastModifiedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                ["QueueArn"] = Arn,
            };
            return attributes;
        }

        string Count(Func<StoredMessage, bool> predicate) => _messages.Count(predicate).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>How many messages are visible, in flight and delayed, and when the oldest was sent (null: the queue is empty).</summary>
    public QueueDepth Depth()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            DropExpired(now);
            int visible = 0, inFlight = 0, delayed = 0;
            DateTimeOffset? oldest = null;
            foreach (var message in _messages)
            {
                if (message.VisibleAt <= now)
                {
                    visible++;
                }
                else if (message.IsReceived)
                {
                    inFlight++;
                }
                else
                {
                    delayed++;
                }
                oldest = oldest is { } earliest && earliest <= message.SentAt ? earliest : message.SentAt;
            }
            return new QueueDepth(visible, inFlight, delayed, oldest is { } sentAt ? now - sentAt : null);
        }
    }

    /// <summary>Validates and enqueues a message (or, on a FIFO queue, recognises a duplicate within five minutes).</summary>
    public SentMessage Send(OutgoingMessage message)
    {
        var md5OfBody = Validate(message);
        var md5OfAttributes = MessageDigests.Attributes(message.Attributes);
        var md5OfSystemAttributes = MessageDigests.Attributes(message.SystemAttributes);
        lock (_gate)
        {
            ThrowIfDeleted();
            var now = _time.GetUtcNow();
            DropExpired(now);
            string? deduplicationKey = null;
            string? deduplicationId = null;
            if (IsFifo)
            {
                deduplicationId = message.DeduplicationId
                    ?? (_attributes[QueueAttributes.ContentBasedDeduplication] == "true" ? MessageDigests.ContentDeduplicationId(message.Body)
                        : throw SqsException.InvalidParameterValue("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"));
                deduplicationKey = _attributes["DeduplicationScope"] == "messageGroup" ? message.GroupId + "\n" + deduplicationId : deduplicationId;
                foreach (var expired in _deduplication.Where(entry => entry.Value.Until <= now).Select(entry => entry.Key).ToList())
                {
                    _deduplication.Remove(expired);
                }
                if (_deduplication.TryGetValue(deduplicationKey, out var original))
                {
                    return new SentMessage(original.MessageId, md5OfBody, md5OfAttributes, md5OfSystemAttributes, original.SequenceNumber);
                }
            }
            var delay = message.DelaySeconds ?? int.Parse(_attributes[QueueAttributes.DelaySeconds], CultureInfo.InvariantCulture);
            var stored = new StoredMessage(Guid.NewGuid().ToString(), message, md5OfBody, now)
            {
                VisibleAt = now.AddSeconds(delay),
                DeduplicationId = deduplicationId,
            };
            Append(stored);
            if (deduplicationKey is not null)
            {
                var entry = (stored.MessageId, stored.SequenceNumber!, now + DeduplicationInterval);
                _deduplication[deduplicationKey] = entry;
                Journal(DeduplicationEntry(deduplicationKey, entry));
            }
            Signal();
            return new SentMessage(stored.MessageId, md5OfBody, md5OfAttributes, md5OfSystemAttributes, stored.SequenceNumber);
        }
    }

    /// <summary>
    /// Takes up to <paramref name="maxMessages"/> visible messages and hides them for the visibility timeout.
    /// With a dead-letter queue to move to, a message already received <c>maxReceiveCount</c> times is taken
    /// out for it instead of being delivered.
    /// </summary>
    internal ReceiveAttempt Receive(int maxMessages, int? visibilityTimeoutSeconds, bool deadLetterQueueExists)
    {
        lock (_gate)
        {
            ThrowIfDeleted();
            var now = _time.GetUtcNow();
            DropExpired(now);
            var visibility = TimeSpan.FromSeconds(visibilityTimeoutSeconds ?? int.Parse(_attributes[QueueAttributes.VisibilityTimeout], CultureInfo.InvariantCulture));
            var maxReceiveCount = deadLetterQueueExists ? QueueAttributes.ParseRedrivePolicy(_attributes.GetValueOrDefault(QueueAttributes.RedrivePolicy))?.MaxReceiveCount : null;
            var heldGroups = IsFifo
                ? _messages.Where(message => message.IsReceived && message.VisibleAt > now).Select(message => message.Sent.GroupId!).ToHashSet(StringComparer.Ordinal)
                : [];
            var delivered = new List<DeliveredMessage>();
            var toDeadLetter = new List<StoredMessage>();
            foreach (var message in _messages)
            {
                if (delivered.Count == maxMessages)
                {
                    break;
                }
                if (IsFifo && heldGroups.Contains(message.Sent.GroupId!))
                {
                    continue;
                }
                if (message.VisibleAt > now)
                {
                    if (IsFifo)
                    {
                        heldGroups.Add(message.Sent.GroupId!);
                    }
                    continue;
                }
                if (message.ReceiveCount >= maxReceiveCount)
                {
                    toDeadLetter.Add(message);
                    continue;
                }
                message.ReceiveCount++;
                message.FirstReceivedAt ??= now;
                message.ReceiptNonce = Guid.NewGuid().ToString("N");
                message.VisibleAt = now + visibility;
                Journal(PutEntry(message));
                delivered.Add(Deliver(message));
            }
            foreach (var message in toDeadLetter)
            {
                // Journaled by the dead-letter queue once it holds them (AcceptMoved).
                Remove(message, journaled: false);
            }
            var nextVisibleAt = _messages.Where(message => message.VisibleAt > now).Select(message => (DateTimeOffset?)message.VisibleAt).Min();
            return new ReceiveAttempt(delivered, toDeadLetter, _changed.Task, nextVisibleAt);
        }
    }

    /// <summary>Waits until the queue changes (a send, a visibility change, its deletion), <paramref name="until"/> passes, or the token fires.</summary>
    internal async Task WaitForChangeAsync(Task changed, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var wait = until - _time.GetUtcNow();
        if (wait <= TimeSpan.Zero)
        {
            return;
        }
        using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await Task.WhenAny(changed, Task.Delay(wait, _time, stopWaiting.Token));
        await stopWaiting.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Deletes the message the receipt handle was issued for; a message already gone is no error, a superseded handle is.</summary>
    public void Delete(string receiptHandle)
    {
        var (messageId, nonce) = ParseReceiptHandle(receiptHandle);
        lock (_gate)
        {
            ThrowIfDeleted();
            if (!_byId.TryGetValue(messageId, out var message))
            {
                return;
            }
            if (message.ReceiptNonce != nonce)
            {
                throw SqsException.ReceiptHandleIsInvalid(receiptHandle);
            }
            Remove(message);
        }
    }

    /// <summary>Makes an in-flight message visible again after <paramref name="visibilityTimeoutSeconds"/> from now.</summary>
    public void ChangeVisibility(string receiptHandle, int visibilityTimeoutSeconds)
    {
        var (messageId, nonce) = ParseReceiptHandle(receiptHandle);
        lock (_gate)
        {
            ThrowIfDeleted();
            var now = _time.GetUtcNow();
            if (!_byId.TryGetValue(messageId, out var message))
            {
                throw SqsException.InvalidParameterValue("ReceiptHandle", receiptHandle, "Message does not exist or is not available for visibility timeout change.");
            }
            if (message.ReceiptNonce != nonce)
            {
                throw SqsException.ReceiptHandleIsInvalid(receiptHandle);
            }
            if (message.VisibleAt <= now)
            {
                throw SqsException.MessageNotInflight();
            }
            message.VisibleAt = now.AddSeconds(visibilityTimeoutSeconds);
            Journal(PutEntry(message));
            if (visibilityTimeoutSeconds == 0)
            {
                Signal();
            }
        }
    }

    /// <summary>Deletes every message.</summary>
    public void Purge()
    {
        lock (_gate)
        {
            ThrowIfDeleted();
            _messages.Clear();
            _byId.Clear();
            Journal(new QueueJournalEntry(QueueJournalEntry.PurgeOp, Name));
        }
    }

    /// <summary>Marks the queue deleted: later operations and waiting receives answer QueueDoesNotExist.</summary>
    internal void MarkDeleted()
    {
        lock (_gate)
        {
            _deleted = true;
            Signal();
        }
    }

    /// <summary>
    /// Takes messages moved here (by redrive, with the queue they left; by a move task back to their source,
    /// with none), visible at once and counted as never received; false (taking none) when this queue is deleted.
    /// </summary>
    /// <remarks>
    /// The journal gets each message here first, then its removal from <paramref name="from"/>: a kill between the
    /// two leaves it in both queues after a restart (delivered twice, as SQS may), never in neither.
    /// </remarks>
    internal bool AcceptMoved(IReadOnlyList<StoredMessage> messages, string? deadLetterSourceArn, SqsQueue from)
    {
        lock (_gate)
        {
            if (_deleted)
            {
                return false;
            }
            var now = _time.GetUtcNow();
            foreach (var message in messages)
            {
                message.DeadLetterSourceArn = deadLetterSourceArn;
                message.ReceiveCount = 0;
                message.FirstReceivedAt = null;
                message.ReceiptNonce = null;
                message.VisibleAt = now;
                Append(message);
                Journal(RemoveEntry(from.Name, message));
            }
            Signal();
            return true;
        }
    }

    /// <summary>Takes out up to <paramref name="maxMessages"/> visible messages, oldest first, for a move task to place elsewhere.</summary>
    internal IReadOnlyList<StoredMessage> TakeVisible(int maxMessages)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            DropExpired(now);
            var taken = _messages.Where(message => message.VisibleAt <= now).Take(maxMessages).ToList();
            foreach (var message in taken)
            {
                // Journaled by the queue that takes them (AcceptMoved); until then the journal has them here.
                Remove(message, journaled: false);
            }
            return taken;
        }
    }

    /// <summary>How many messages are visible now.</summary>
    internal int VisibleCount()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            DropExpired(now);
            return _messages.Count(message => message.VisibleAt <= now);
        }
    }

    /// <summary>Puts back messages taken out for a dead-letter queue that turned out to be gone, in their old places.</summary>
    internal void Restore(IReadOnlyList<StoredMessage> messages)
    {
        lock (_gate)
        {
            foreach (var message in messages)
            {
                var next = _messages.First;
                while (next is not null && next.Value.Position < message.Position)
                {
                    next = next.Next;
                }
                message.Node = next is null ? _messages.AddLast(message) : _messages.AddBefore(next, message);
                _byId[message.MessageId] = message;
                Journal(PutEntry(message));
            }
            Signal();
        }
    }

    private string Validate(OutgoingMessage message)
    {
        if (message.Body.Length == 0)
        {
            throw SqsException.InvalidParameterValue("The request must contain a non-empty message body.");
        }
        if (!HasOnlyAllowedCharacters(message.Body))
        {
            throw SqsException.InvalidMessageContents();
        }
        if (message.DelaySeconds is { } delay)
        {
            if (IsFifo)
            {
                throw SqsException.InvalidParameterValue("DelaySeconds", delay, "The request include parameter that is not valid for this queue type.");
            }
            if (delay is < 0 or > 900)
            {
                throw SqsException.InvalidParameterValue("DelaySeconds", delay, "Must be >= 0 and <= 900, if provided.");
            }
        }
        if (IsFifo && string.IsNullOrEmpty(message.GroupId))
        {
            throw SqsException.MissingParameter("MessageGroupId");
        }
        if (!IsFifo && message.DeduplicationId is not null)
        {
            throw SqsException.InvalidParameterValue("MessageDeduplicationId", message.DeduplicationId, "The request include parameter that is not valid for this queue type.");
        }
        ValidateAttributes(message.Attributes);
        foreach (var (name, attribute) in message.SystemAttributes)
        {
            if (name != "AWSTraceHeader" || attribute.DataType != "String" || string.IsNullOrEmpty(attribute.StringValue))
            {
                throw SqsException.InvalidParameterValue($"Message system attribute {name} is not supported: only AWSTraceHeader, a String, can be sent.");
            }
        }
        int maximumSize;
        lock (_gate)
        {
            maximumSize = int.Parse(_attributes[QueueAttributes.MaximumMessageSize], CultureInfo.InvariantCulture);
        }
        var size = Encoding.UTF8.GetByteCount(message.Body) + message.Attributes.Sum(pair => pair.Value.Size(pair.Key));
        if (size > maximumSize)
        {
            throw SqsException.InvalidParameterValue($"One or more parameters are invalid. Reason: Message must be shorter than {maximumSize} bytes.");
        }
        return MessageDigests.Body(message.Body);
    }

    private static void ValidateAttributes(IReadOnlyDictionary<string, MessageAttributeValue> attributes)
    {
        if (attributes.Count > MaxMessageAttributes)
        {
            throw SqsException.InvalidParameterValue($"Number of message attributes [{attributes.Count}] exceeds the allowed maximum [{MaxMessageAttributes}].");
        }
        foreach (var (name, attribute) in attributes)
        {
            if (name.Length is 0 or > 256 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')
                || name.StartsWith('.') || name.EndsWith('.') || name.Contains("..", StringComparison.Ordinal)
                || name.StartsWith("AWS.", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Amazon.", StringComparison.OrdinalIgnoreCase))
            {
                throw SqsException.InvalidParameterValue($"Message attribute name '{name}' is invalid.");
            }
            var baseType = attribute.DataType.Split('.', 2)[0];
            if (baseType is not ("String" or "Number" or "Binary"))
            {
                throw SqsException.InvalidParameterValue($"The type of message (user) attribute '{name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.");
            }
            var hasValue = attribute.IsBinary ? attribute.BinaryValue is { Length: > 0 } : !string.IsNullOrEmpty(attribute.StringValue);
            if (!hasValue)
            {
                throw SqsException.InvalidParameterValue($"The message attribute '{name}' must contain non-empty message attribute value for message attribute type '{baseType}'.");
            }
            if (baseType == "Number" && !decimal.TryParse(attribute.StringValue, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                throw SqsException.InvalidParameterValue($"Can't cast the value of message (user) attribute '{name}' to a number.");
            }
        }
    }

    private static bool HasOnlyAllowedCharacters(string body)
    {
        var remaining = body.AsSpan();
        while (!remaining.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(remaining, out var rune, out var consumed) != System.Buffers.OperationStatus.Done
                || rune.Value is not (0x9 or 0xA or 0xD or (>= 0x20 and <= 0xD7FF) or (>= 0xE000 and <= 0xFFFD) or >= 0x10000))
            {
                return false;
            }
            remaining = remaining[consumed..];
        }
        return true;
    }

    private DeliveredMessage Deliver(StoredMessage message)
    {
        var system = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["SenderId"] = SqsOptions.AccountId,
            ["SentTimestamp"] = message.SentAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            ["ApproximateReceiveCount"] = message.ReceiveCount.ToString(CultureInfo.InvariantCulture),
            ["ApproximateFirstReceiveTimestamp"] = message.FirstReceivedAt!.Value.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        };
        if (message.Sent.SystemAttributes.TryGetValue("AWSTraceHeader", out var trace))
        {
            system["AWSTraceHeader"] = trace.StringValue!;
        }
        else if (message.Sent.SenderTraceHeader is { } senderTrace)
        {
            system["AWSTraceHeader"] = senderTrace;
        }
        if (message.Sent.GroupId is { } groupId)
        {
            system["MessageGroupId"] = groupId;
        }
        if (message.DeduplicationId is { } deduplicationId)
        {
            system["MessageDeduplicationId"] = deduplicationId;
        }
        if (message.SequenceNumber is { } sequenceNumber)
        {
            system["SequenceNumber"] = sequenceNumber;
        }
        if (message.DeadLetterSourceArn is { } sourceArn)
        {
            system["DeadLetterQueueSourceArn"] = sourceArn;
        }
        var handle = ReceiptHandles.Create(Name, message.MessageId, message.ReceiptNonce!);
        return new DeliveredMessage(message.MessageId, handle, message.Sent.Body, message.Md5OfBody, message.Sent.Attributes, system);
    }

    private (string MessageId, string Nonce) ParseReceiptHandle(string receiptHandle) =>
        ReceiptHandles.TryParse(receiptHandle, out var queueName, out var messageId, out var nonce) && queueName == Name
            ? (messageId, nonce)
            : throw SqsException.ReceiptHandleIsInvalid(receiptHandle);

    private void Append(StoredMessage message)
    {
        message.Position = _nextPosition++;
        if (IsFifo)
        {
            message.SequenceNumber = (++_nextSequenceNumber).ToString("D20", CultureInfo.InvariantCulture);
        }
        message.Node = _messages.AddLast(message);
        _byId[message.MessageId] = message;
        Journal(PutEntry(message));
    }

    private void Remove(StoredMessage message, bool journaled = true)
    {
        _messages.Remove(message.Node!);
        message.Node = null;
        _byId.Remove(message.MessageId);
        if (journaled)
        {
            Journal(RemoveEntry(Name, message));
        }
    }

    private static QueueJournalEntry RemoveEntry(string queue, StoredMessage message) => new(QueueJournalEntry.RemoveOp, queue) { Id = message.MessageId };

    private void Journal(QueueJournalEntry entry) => _journal?.Write(entry);

    private QueueJournalEntry StateEntry() => new(QueueJournalEntry.QueueOp, Name)
    {
        State = new JournalQueueState(
            new Dictionary<string, string>(_attributes, StringComparer.Ordinal),
            new Dictionary<string, string>(_tags, StringComparer.Ordinal),
            CreatedAt,
            _lastModifiedAt,
            _nextSequenceNumber),
    };

    private QueueJournalEntry PutEntry(StoredMessage message) => new(QueueJournalEntry.PutOp, Name) { Message = JournalMessage.Of(message) };

    private QueueJournalEntry DeduplicationEntry(string key, (string MessageId, string SequenceNumber, DateTimeOffset Until) entry) =>
        new(QueueJournalEntry.DeduplicationOp, Name) { DeduplicationKey = key, Id = entry.MessageId, SequenceNumber = entry.SequenceNumber, Until = entry.Until };

    private void DropExpired(DateTimeOffset now)
    {
        var retention = TimeSpan.FromSeconds(int.Parse(_attributes[QueueAttributes.MessageRetentionPeriod], CultureInfo.InvariantCulture));
        foreach (var message in _messages.Where(message => message.SentAt + retention <= now).ToList())
        {
            Remove(message);
        }
    }

    private void ThrowIfDeleted()
    {
        if (_deleted)
        {
            throw SqsException.QueueDoesNotExist();
        }
    }

    private void Signal()
    {
        _changed.TrySetResult();
        _changed = NewSignal();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
