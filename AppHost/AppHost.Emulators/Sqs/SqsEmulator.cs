using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AppHost.Emulators.Sqs;

/// <summary>
/// Amazon SQS on loopback, speaking the AWS JSON 1.0 protocol of AWSSDK.SQS 4 and current AWS CLIs:
/// <c>POST /</c> with <c>X-Amz-Target: AmazonSQS.{Operation}</c>; and the older query protocol (a form-encoded
/// <c>Action=...</c>, answered in XML) of earlier CLIs and SDKs (<see cref="SqsQueryProtocol"/>). Queue URLs are
/// <c>http://127.0.0.1:{port}/000000000000/{name}</c>; errors carry SQS's <c>__type</c>, message and
/// <c>x-amzn-query-error</c> header. Requests are not authenticated: any credentials do.
/// </summary>
public sealed partial class SqsEmulator : IAsyncDisposable
{
    private const string TargetPrefix = "AmazonSQS.";
    private const string JsonContentType = "application/x-amz-json-1.0";
    private const int MaxBatchEntries = 10;
    // Generous for 256 KiB of messages once JSON-escaped or base64-encoded.
    private const long MaxRequestBytes = 4 * 1024 * 1024;

    private static readonly HashSet<string> KnownOperations = new(StringComparer.Ordinal)
    {
        "AddPermission", "CancelMessageMoveTask", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch", "CreateQueue",
        "DeleteMessage", "DeleteMessageBatch", "DeleteQueue", "GetQueueAttributes", "GetQueueUrl", "ListDeadLetterSourceQueues",
        "ListMessageMoveTasks", "ListQueueTags", "ListQueues", "PurgeQueue", "ReceiveMessage", "RemovePermission", "SendMessage",
        "SendMessageBatch", "SetQueueAttributes", "StartMessageMoveTask", "TagQueue", "UntagQueue",
    };

    private static readonly HashSet<string> KnownQueueAttributes = new(
        [.. QueueAttributes.Defaults(fifo: true).Keys, .. QueueAttributes.ReadOnly, "Policy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds",
            "RedriveAllowPolicy", QueueAttributes.RedrivePolicy], StringComparer.Ordinal);

    private readonly SqsOptions _options;
    private readonly IQueueStore _store;
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<MessageMoveTask> _moveTasks = [];

    private SqsEmulator(SqsOptions options, WebApplication app)
    {
        _options = options;
        _store = options.Store
            ?? (options.DataDirectory is { } directory
                ? new DiskQueueStore(directory, options.FlushToDisk, options.CompactJournalAtBytes, options.Log)
                : new InMemoryQueueStore());
        _app = app;
    }

    /// <summary>The endpoint clients are given (<c>http://127.0.0.1:{port}/</c>).</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The queues this emulator serves.</summary>
    public IQueueStore Store => _store;

    public static async Task<SqsEmulator> StartAsync(SqsOptions options, CancellationToken cancellationToken = default)
    {
        var app = LoopbackHost.CreateBuilder(options.Port, MaxRequestBytes).Build();
        var emulator = new SqsEmulator(options, app);
        app.Run(emulator.HandleAsync);
        await app.StartAsync(cancellationToken);
        emulator.Endpoint = new Uri(app.Urls.Single().TrimEnd('/') + "/");
        if (emulator._store is DiskQueueStore disk)
        {
            try
            {
                disk.Load(emulator.QueueUrl, emulator.QueueArn, options.Time);
            }
            catch
            {
                await emulator.DisposeAsync();
                throw;
            }
        }
        return emulator;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        MessageMoveTask[] moveTasks;
        lock (_moveTasks)
        {
            moveTasks = [.. _moveTasks];
        }
        foreach (var task in moveTasks)
        {
            task.Cancel();
        }
        await Task.WhenAll(moveTasks.Select(task => task.Completion));
        foreach (var task in moveTasks)
        {
            task.Dispose();
        }
        await _app.StopAsync();
        await _app.DisposeAsync();
        (_store as IDisposable)?.Dispose();
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var requestId = Guid.NewGuid().ToString();
        context.Response.Headers["x-amzn-RequestId"] = requestId;
        if (context.Request.ContentType?.StartsWith(SqsQueryProtocol.ContentType, StringComparison.OrdinalIgnoreCase) == true)
        {
            await HandleQueryAsync(context, requestId);
            return;
        }
        var target = context.Request.Headers["X-Amz-Target"].ToString();
        var operation = target.StartsWith(TargetPrefix, StringComparison.Ordinal) ? target[TargetPrefix.Length..] : "";
        if (!HttpMethods.IsPost(context.Request.Method) || !KnownOperations.Contains(operation))
        {
            await WriteErrorAsync(context, new SqsException("com.amazon.coral.service#UnknownOperationException",
                $"Unknown operation '{target}': send POST / with X-Amz-Target: AmazonSQS.<Operation> and an AWS JSON 1.0 body."));
            return;
        }
        var body = await BoundedBody.ReadAsync(context.Request, MaxRequestBytes);
        if (body is null)
        {
            await WriteErrorAsync(context, SqsException.InvalidParameterValue($"The request is longer than {MaxRequestBytes} bytes."));
            return;
        }
        JsonObject json;
        try
        {
            json = body.Length == 0 ? [] : JsonNode.Parse(body) as JsonObject ?? throw new JsonException("The body is not a JSON object.");
        }
        catch (JsonException exception)
        {
            await WriteErrorAsync(context, new SqsException("com.amazon.coral.service#SerializationException", exception.Message));
            return;
        }
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        JsonObject result;
        try
        {
            result = await DispatchAsync(operation, new SqsRequest(json) { SenderTraceHeader = SenderTrace(context.Request) }, cancellation.Token);
        }
        catch (SqsException exception)
        {
            await WriteErrorAsync(context, exception);
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        context.Response.ContentType = JsonContentType;
        await context.Response.WriteAsync(result.ToJsonString(), context.RequestAborted);
    }

    /// <summary>A request in the query protocol: read into the JSON protocol's shape, run the same way, answered in XML.</summary>
    private async Task HandleQueryAsync(HttpContext context, string requestId)
    {
        var body = await BoundedBody.ReadAsync(context.Request, MaxRequestBytes);
        string xml;
        try
        {
            if (body is null)
            {
                throw SqsException.InvalidParameterValue($"The request is longer than {MaxRequestBytes} bytes.");
            }
            var path = context.Request.Path.Value is { Length: > 1 } queuePath ? Endpoint.ToString().TrimEnd('/') + queuePath : null;
            var (action, json) = SqsQueryProtocol.ReadRequest(Encoding.UTF8.GetString(body), path);
            if (!KnownOperations.Contains(action))
            {
                throw new SqsException("InvalidAction", $"The action {action} is not valid for this endpoint.", "InvalidAction");
            }
            using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            xml = SqsQueryProtocol.WriteResult(action, await DispatchAsync(action, new SqsRequest(json) { SenderTraceHeader = SenderTrace(context.Request) }, cancellation.Token), requestId);
        }
        catch (SqsException exception)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            xml = SqsQueryProtocol.WriteError(exception, requestId);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        context.Response.ContentType = "text/xml";
        await context.Response.WriteAsync(xml, context.RequestAborted);
    }

    private async Task<JsonObject> DispatchAsync(string operation, SqsRequest request, CancellationToken cancellationToken) => operation switch
    {
        "CreateQueue" => CreateQueue(request),
        "GetQueueUrl" => GetQueueUrl(request),
        "ListQueues" => ListQueues(request),
        "DeleteQueue" => DeleteQueue(request),
        "GetQueueAttributes" => GetQueueAttributes(request),
        "SetQueueAttributes" => SetQueueAttributes(request),
        "PurgeQueue" => PurgeQueue(request),
        "ListDeadLetterSourceQueues" => ListDeadLetterSourceQueues(request),
        "SendMessage" => SendMessage(request),
        "SendMessageBatch" => SendMessageBatch(request),
        "ReceiveMessage" => await ReceiveMessageAsync(request, cancellationToken),
        "DeleteMessage" => DeleteMessage(request),
        "DeleteMessageBatch" => DeleteMessageBatch(request),
        "ChangeMessageVisibility" => ChangeMessageVisibility(request),
        "ChangeMessageVisibilityBatch" => ChangeMessageVisibilityBatch(request),
        "TagQueue" => TagQueue(request),
        "UntagQueue" => UntagQueue(request),
        "ListQueueTags" => ListQueueTags(request),
        "StartMessageMoveTask" => StartMessageMoveTask(request),
        "ListMessageMoveTasks" => ListMessageMoveTasks(request),
        "CancelMessageMoveTask" => CancelMessageMoveTask(request),
        _ => throw SqsException.UnsupportedOperation($"The local SQS emulator does not implement {operation}."),
    };

    private JsonObject CreateQueue(SqsRequest request)
    {
        var name = request.RequiredString("QueueName");
        var requested = request.StringMap("Attributes");
        var fifo = name.EndsWith(".fifo", StringComparison.Ordinal);
        if (!QueueNamePattern().IsMatch(name))
        {
            throw SqsException.InvalidParameterValue("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
        }
        if (fifo != (requested.GetValueOrDefault(QueueAttributes.FifoQueue)?.Equals("true", StringComparison.OrdinalIgnoreCase) ?? false))
        {
            throw SqsException.InvalidParameterValue("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix, and the queue must be created with the attribute FifoQueue set to true.");
        }
        var attributes = Normalize(requested, fifo);
        var created = new SqsQueue(name, QueueUrl(name), QueueArn(name), attributes, _options.Time);
        created.Tag(request.StringMap("tags"));
        var queue = _store.GetOrAdd(created);
        if (queue != created)
        {
            var current = queue.Attributes;
            if (attributes.Any(pair => current.GetValueOrDefault(pair.Key, "") != pair.Value))
            {
                throw SqsException.QueueNameExists(name);
            }
        }
        return new JsonObject { ["QueueUrl"] = queue.Url.ToString() };
    }

    private JsonObject GetQueueUrl(SqsRequest request)
    {
        var name = request.RequiredString("QueueName");
        var owner = request.String("QueueOwnerAWSAccountId");
        var queue = owner is null or SqsOptions.AccountId ? _store.Find(name) : null;
        return new JsonObject { ["QueueUrl"] = (queue ?? throw SqsException.QueueDoesNotExist()).Url.ToString() };
    }

    private JsonObject ListQueues(SqsRequest request)
    {
        var prefix = request.String("QueueNamePrefix") ?? "";
        var maxResults = request.IntegerInRange("MaxResults", 1, 1000);
        var after = request.String("NextToken") is { } token ? DecodeNextToken(token) : null;
        var names = _store.All().Select(queue => queue.Name)
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && (after is null || string.CompareOrdinal(name, after) > 0))
            .Order(StringComparer.Ordinal)
            .ToList();
        var page = names.Take(maxResults ?? 1000).ToList();
        var result = new JsonObject();
        if (page.Count > 0)
        {
            result["QueueUrls"] = new JsonArray([.. page.Select(name => (JsonNode)QueueUrl(name).ToString())]);
        }
        if (maxResults is not null && names.Count > page.Count)
        {
            result["NextToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(page[^1]));
        }
        return result;
    }

    private JsonObject DeleteQueue(SqsRequest request)
    {
        var queue = FindQueue(request);
        _store.Remove(queue.Name);
        queue.MarkDeleted();
        return [];
    }

    private JsonObject GetQueueAttributes(SqsRequest request)
    {
        var queue = FindQueue(request);
        var names = request.Strings("AttributeNames");
        var all = queue.AllAttributes();
        var selected = new JsonObject();
        foreach (var name in names.Contains("All") ? [.. all.Keys.Order(StringComparer.Ordinal)] : names)
        {
            if (!KnownQueueAttributes.Contains(name) && name != "All")
            {
                throw SqsException.InvalidAttributeName(name);
            }
            if (all.TryGetValue(name, out var value))
            {
                selected[name] = value;
            }
        }
        return selected.Count == 0 ? [] : new JsonObject { ["Attributes"] = selected };
    }

    private JsonObject SetQueueAttributes(SqsRequest request)
    {
        var queue = FindQueue(request);
        var requested = request.StringMap("Attributes");
        if (requested.Count == 0)
        {
            throw SqsException.MissingParameter("Attributes");
        }
        queue.SetAttributes(Normalize(requested, queue.IsFifo));
        return [];
    }

    private JsonObject PurgeQueue(SqsRequest request)
    {
        FindQueue(request).Purge();
        return [];
    }

    private JsonObject ListDeadLetterSourceQueues(SqsRequest request)
    {
        var queue = FindQueue(request);
        var sources = _store.All().Where(source => source.Redrive?.DeadLetterTargetArn == queue.Arn).Select(source => source.Url.ToString()).Order(StringComparer.Ordinal);
        return new JsonObject { ["queueUrls"] = new JsonArray([.. sources.Select(url => (JsonNode)url)]) };
    }

    private JsonObject SendMessage(SqsRequest request)
    {
        var queue = FindQueue(request);
        return SentJson(queue.Send(ReadOutgoingMessage(request)), []);
    }

    private JsonObject SendMessageBatch(SqsRequest request)
    {
        var queue = FindQueue(request);
        var entries = BatchEntries(request, "SendMessageBatchRequestEntry");
        var messages = entries.Select(entry => (Id: entry.RequiredString("Id"), Entry: entry, Message: TryRead(entry))).ToList();
        var totalBytes = messages.Sum(item => item.Message is { } message
            ? Encoding.UTF8.GetByteCount(message.Body) + message.Attributes.Sum(pair => pair.Value.Size(pair.Key))
            : 0);
        if (totalBytes > QueueAttributes.MaximumMessageBytes)
        {
            throw SqsException.BatchRequestTooLong(totalBytes, QueueAttributes.MaximumMessageBytes);
        }
        return RunBatch(messages, item => SentJson(queue.Send(item.Message ?? ReadOutgoingMessage(item.Entry)), new JsonObject { ["Id"] = item.Id }), item => item.Id);

        static OutgoingMessage? TryRead(SqsRequest entry)
        {
            try
            {
                return ReadOutgoingMessage(entry);
            }
            catch (SqsException)
            {
                // Reported as this entry's failure when the batch runs.
                return null;
            }
        }
    }

    private async Task<JsonObject> ReceiveMessageAsync(SqsRequest request, CancellationToken cancellationToken)
    {
        var queue = FindQueue(request);
        var maxMessages = request.Integer("MaxNumberOfMessages") ?? 1;
        if (maxMessages is < 1 or > MaxBatchEntries)
        {
            throw SqsException.InvalidParameterValue("MaxNumberOfMessages", maxMessages, "Must be between 1 and 10, if provided.");
        }
        var visibilityTimeout = request.IntegerInRange("VisibilityTimeout", 0, 43_200);
        var waitSeconds = request.IntegerInRange("WaitTimeSeconds", 0, 20)
            ?? int.Parse(queue.Attributes[QueueAttributes.ReceiveMessageWaitTimeSeconds], System.Globalization.CultureInfo.InvariantCulture);
        var systemAttributeNames = request.Strings("AttributeNames").Concat(request.Strings("MessageSystemAttributeNames")).ToHashSet(StringComparer.Ordinal);
        var attributeNames = request.Strings("MessageAttributeNames");
        var deadline = _options.Time.GetUtcNow().AddSeconds(waitSeconds);
        while (true)
        {
            var deadLetterQueue = queue.Redrive is { } redrive ? FindQueueByArn(redrive.DeadLetterTargetArn) : null;
            var attempt = queue.Receive(maxMessages, visibilityTimeout, deadLetterQueue is not null);
            if (attempt.ToDeadLetter.Count > 0)
            {
                if (!deadLetterQueue!.AcceptMoved(attempt.ToDeadLetter, queue.Arn, queue))
                {
                    queue.Restore(attempt.ToDeadLetter);
                }
                if (attempt.Delivered.Count == 0)
                {
                    continue;
                }
            }
            var now = _options.Time.GetUtcNow();
            if (attempt.Delivered.Count > 0 || now >= deadline)
            {
                return attempt.Delivered.Count == 0 ? [] : new JsonObject
                {
                    ["Messages"] = new JsonArray([.. attempt.Delivered.Select(message => (JsonNode)DeliveredJson(message, systemAttributeNames, attributeNames))]),
                };
            }
            var wakeAt = attempt.NextVisibleAt is { } next && next < deadline ? next : deadline;
            try
            {
                await queue.WaitForChangeAsync(attempt.Changed, wakeAt, cancellationToken);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return [];
            }
        }
    }

    private JsonObject DeleteMessage(SqsRequest request)
    {
        FindQueue(request).Delete(request.RequiredString("ReceiptHandle"));
        return [];
    }

    private JsonObject DeleteMessageBatch(SqsRequest request)
    {
        var queue = FindQueue(request);
        var entries = BatchEntries(request, "DeleteMessageBatchRequestEntry");
        return RunBatch(entries, entry =>
        {
            queue.Delete(entry.RequiredString("ReceiptHandle"));
            return new JsonObject { ["Id"] = entry.RequiredString("Id") };
        }, entry => entry.RequiredString("Id"));
    }

    private JsonObject ChangeMessageVisibility(SqsRequest request)
    {
        var queue = FindQueue(request);
        var handle = request.RequiredString("ReceiptHandle");
        queue.ChangeVisibility(handle, request.IntegerInRange("VisibilityTimeout", 0, 43_200) ?? throw SqsException.MissingParameter("VisibilityTimeout"));
        return [];
    }

    private JsonObject ChangeMessageVisibilityBatch(SqsRequest request)
    {
        var queue = FindQueue(request);
        var entries = BatchEntries(request, "ChangeMessageVisibilityBatchRequestEntry");
        return RunBatch(entries, entry =>
        {
            var handle = entry.RequiredString("ReceiptHandle");
            queue.ChangeVisibility(handle, entry.IntegerInRange("VisibilityTimeout", 0, 43_200) ?? throw SqsException.MissingParameter("VisibilityTimeout"));
            return new JsonObject { ["Id"] = entry.RequiredString("Id") };
        }, entry => entry.RequiredString("Id"));
    }

    private JsonObject TagQueue(SqsRequest request)
    {
        var queue = FindQueue(request);
        var tags = request.StringMap("Tags");
        if (tags.Count == 0)
        {
            throw SqsException.MissingParameter("Tags");
        }
        queue.Tag(tags);
        return [];
    }

    private JsonObject UntagQueue(SqsRequest request)
    {
        var queue = FindQueue(request);
        var keys = request.Strings("TagKeys");
        if (keys.Count == 0)
        {
            throw SqsException.MissingParameter("TagKeys");
        }
        queue.Untag(keys);
        return [];
    }

    private JsonObject ListQueueTags(SqsRequest request)
    {
        var tags = FindQueue(request).Tags;
        return tags.Count == 0 ? [] : new JsonObject { ["Tags"] = new JsonObject(tags.Select(pair => KeyValuePair.Create(pair.Key, (JsonNode?)pair.Value))) };
    }

    private JsonObject StartMessageMoveTask(SqsRequest request)
    {
        var sourceArn = request.RequiredString("SourceArn");
        var source = FindQueueByArn(sourceArn) ?? throw SqsException.ResourceNotFound("The resource that you specified for the SourceArn parameter doesn't exist.");
        if (!_store.All().Any(queue => queue.Redrive?.DeadLetterTargetArn == sourceArn))
        {
            throw SqsException.InvalidParameterValue("SourceArn", sourceArn, "Source queue must be configured as a Dead Letter Queue.");
        }
        var destinationArn = request.String("DestinationArn");
        if (destinationArn is not null && FindQueueByArn(destinationArn) is null)
        {
            throw SqsException.ResourceNotFound("The resource that you specified for the DestinationArn parameter doesn't exist.");
        }
        var rate = request.IntegerInRange("MaxNumberOfMessagesPerSecond", 1, 500);
        lock (_moveTasks)
        {
            if (_moveTasks.Any(task => task.SourceArn == sourceArn && task.IsRunning))
            {
                throw SqsException.UnsupportedOperation("There is already a task running. Only one active task is allowed for a source queue arn at a given time.");
            }
            var started = MessageMoveTask.Start(source, destinationArn, rate, FindQueueByArn, _options.Time);
            _moveTasks.Add(started);
            return new JsonObject { ["TaskHandle"] = started.TaskHandle };
        }
    }

    private JsonObject ListMessageMoveTasks(SqsRequest request)
    {
        var sourceArn = request.RequiredString("SourceArn");
        if (FindQueueByArn(sourceArn) is null)
        {
            throw SqsException.ResourceNotFound("The resource that you specified for the SourceArn parameter doesn't exist.");
        }
        var maxResults = request.IntegerInRange("MaxResults", 1, 10) ?? 1;
        lock (_moveTasks)
        {
            var results = _moveTasks.Where(task => task.SourceArn == sourceArn).Reverse().Take(maxResults).Select(task => (JsonNode)task.Describe());
            return new JsonObject { ["Results"] = new JsonArray([.. results]) };
        }
    }

    private JsonObject CancelMessageMoveTask(SqsRequest request)
    {
        var handle = request.RequiredString("TaskHandle");
        MessageMoveTask? task;
        lock (_moveTasks)
        {
            task = _moveTasks.Find(candidate => candidate.TaskHandle == handle && candidate.IsRunning);
        }
        var moved = (task ?? throw SqsException.ResourceNotFound("The task does not exist or is not running.")).Cancel();
        return new JsonObject { ["ApproximateNumberOfMessagesMoved"] = moved };
    }

    /// <summary>A batch's entries after the checks that fail the whole request: none, more than ten, a malformed or repeated id.</summary>
    private static IReadOnlyList<SqsRequest> BatchEntries(SqsRequest request, string entryName)
    {
        var entries = request.Entries("Entries");
        if (entries.Count == 0)
        {
            throw SqsException.EmptyBatchRequest(entryName);
        }
        if (entries.Count > MaxBatchEntries)
        {
            throw SqsException.TooManyEntriesInBatchRequest(entries.Count);
        }
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var id = entry.RequiredString("Id");
            if (!BatchEntryIdPattern().IsMatch(id))
            {
                throw SqsException.InvalidBatchEntryId();
            }
            if (!ids.Add(id))
            {
                throw SqsException.BatchEntryIdsNotDistinct(id);
            }
        }
        return entries;
    }

    /// <summary>Runs each entry on its own: a success adds its result to <c>Successful</c>, an SQS error its code to <c>Failed</c>.</summary>
    private static JsonObject RunBatch<T>(IEnumerable<T> entries, Func<T, JsonObject> run, Func<T, string> id)
    {
        var successful = new JsonArray();
        var failed = new JsonArray();
        foreach (var entry in entries)
        {
            try
            {
                successful.Add(run(entry));
            }
            catch (SqsException exception)
            {
                failed.Add(new JsonObject { ["Id"] = id(entry), ["SenderFault"] = true, ["Code"] = exception.QueryCode, ["Message"] = exception.Message });
            }
        }
        return new JsonObject { ["Successful"] = successful, ["Failed"] = failed };
    }

    private static OutgoingMessage ReadOutgoingMessage(SqsRequest request) => new(
        request.RequiredString("MessageBody"),
        request.MessageAttributes("MessageAttributes"),
        request.MessageAttributes("MessageSystemAttributes"),
        request.Integer("DelaySeconds"),
        request.String("MessageGroupId"),
        request.String("MessageDeduplicationId"),
        request.SenderTraceHeader);

    /// <summary>
    /// The sender's trace, as SQS takes it for <c>AWSTraceHeader</c>: the X-Ray header of a traced sender, or its W3C
    /// <c>traceparent</c> (what an OpenTelemetry-instrumented HttpClient under the AWS SDK sends) written in X-Ray's form.
    /// </summary>
    private static string? SenderTrace(HttpRequest request) =>
        request.Headers["X-Amzn-Trace-Id"].ToString() is { Length: > 0 } xray ? xray
            : System.Diagnostics.ActivityContext.TryParse(request.Headers["traceparent"].ToString(), null, out var context)
                ? Lambda.XRayTraceHeader.Of(context)
                : null;

    private static JsonObject SentJson(SentMessage sent, JsonObject result)
    {
        result["MessageId"] = sent.MessageId;
        result["MD5OfMessageBody"] = sent.Md5OfBody;
        AddIfPresent(result, "MD5OfMessageAttributes", sent.Md5OfAttributes);
        AddIfPresent(result, "MD5OfMessageSystemAttributes", sent.Md5OfSystemAttributes);
        AddIfPresent(result, "SequenceNumber", sent.SequenceNumber);
        return result;
    }

    private static JsonObject DeliveredJson(DeliveredMessage message, HashSet<string> systemAttributeNames, IReadOnlyList<string> attributeNames)
    {
        var result = new JsonObject
        {
            ["MessageId"] = message.MessageId,
            ["ReceiptHandle"] = message.ReceiptHandle,
            ["MD5OfBody"] = message.Md5OfBody,
            ["Body"] = message.Body,
        };
        var system = message.SystemAttributes
            .Where(pair => systemAttributeNames.Contains("All") || systemAttributeNames.Contains(pair.Key))
            .ToList();
        if (system.Count > 0)
        {
            result["Attributes"] = new JsonObject(system.Select(pair => KeyValuePair.Create(pair.Key, (JsonNode?)pair.Value)));
        }
        var attributes = message.Attributes
            .Where(pair => attributeNames.Any(wanted => wanted is "All" or ".*" || wanted == pair.Key
                || (wanted.EndsWith(".*", StringComparison.Ordinal) && pair.Key.StartsWith(wanted[..^1], StringComparison.Ordinal))))
            .ToDictionary(StringComparer.Ordinal);
        if (attributes.Count > 0)
        {
            result["MD5OfMessageAttributes"] = MessageDigests.Attributes(attributes);
            result["MessageAttributes"] = new JsonObject(attributes.Select(pair => KeyValuePair.Create(pair.Key, (JsonNode?)AttributeJson(pair.Value))));
        }
        return result;
    }

    private static JsonObject AttributeJson(MessageAttributeValue attribute)
    {
        var json = new JsonObject { ["DataType"] = attribute.DataType };
        if (attribute.IsBinary)
        {
            json["BinaryValue"] = Convert.ToBase64String(attribute.BinaryValue!);
        }
        else
        {
            json["StringValue"] = attribute.StringValue;
        }
        return json;
    }

    private static void AddIfPresent(JsonObject json, string name, string? value)
    {
        if (value is not null)
        {
            json[name] = value;
        }
    }

    /// <summary>Normalizes attributes for a queue and checks that a RedrivePolicy names an existing queue of the same type.</summary>
    private Dictionary<string, string> Normalize(IReadOnlyDictionary<string, string> requested, bool fifo)
    {
        var attributes = requested.ToDictionary(pair => pair.Key, pair => QueueAttributes.Normalize(pair.Key, pair.Value, fifo), StringComparer.Ordinal);
        if (QueueAttributes.ParseRedrivePolicy(attributes.GetValueOrDefault(QueueAttributes.RedrivePolicy)) is { } redrive)
        {
            var deadLetterQueue = FindQueueByArn(redrive.DeadLetterTargetArn)
                ?? throw SqsException.InvalidParameterValue(QueueAttributes.RedrivePolicy, attributes[QueueAttributes.RedrivePolicy], "Dead letter target does not exist.");
            if (deadLetterQueue.IsFifo != fifo)
            {
                throw SqsException.InvalidParameterValue(QueueAttributes.RedrivePolicy, attributes[QueueAttributes.RedrivePolicy], "Dead-letter queue must be same type of queue as the source.");
            }
        }
        return attributes;
    }

    /// <summary>The queue a request's <c>QueueUrl</c> names (<c>.../{account}/{name}</c>, any host).</summary>
    private SqsQueue FindQueue(SqsRequest request)
    {
        var url = request.RequiredString("QueueUrl");
        var path = Uri.TryCreate(url, UriKind.Absolute, out var absolute) ? absolute.AbsolutePath : url;
        var segments = path.Trim('/').Split('/');
        var queue = segments.Length >= 2 && segments[^2] == SqsOptions.AccountId ? _store.Find(Uri.UnescapeDataString(segments[^1])) : null;
        return queue ?? throw SqsException.QueueDoesNotExist();
    }

    private SqsQueue? FindQueueByArn(string arn)
    {
        var queue = _store.Find(arn[(arn.LastIndexOf(':') + 1)..]);
        return queue?.Arn == arn ? queue : null;
    }

    private Uri QueueUrl(string name) => new(Endpoint, $"{SqsOptions.AccountId}/{name}");

    private string QueueArn(string name) => $"arn:aws:sqs:{_options.Region}:{SqsOptions.AccountId}:{name}";

    private static string DecodeNextToken(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw SqsException.InvalidParameterValue("NextToken", token, "Invalid token.");
        }
    }

    private static Task WriteErrorAsync(HttpContext context, SqsException exception)
    {
        var type = exception.Code.Contains('#', StringComparison.Ordinal) ? exception.Code : "com.amazonaws.sqs#" + exception.Code;
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = JsonContentType;
        if (!exception.Code.Contains('#', StringComparison.Ordinal))
        {
            context.Response.Headers["x-amzn-query-error"] = exception.QueryCode + ";Sender";
        }
        var body = new JsonObject { ["__type"] = type, ["message"] = exception.Message };
        return context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,75}(\\.fifo)?$|^[A-Za-z0-9_-]{76,80}$")]
    private static partial Regex QueueNamePattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,80}$")]
    private static partial Regex BatchEntryIdPattern();
}
