using System.Text.Json.Nodes;

namespace AppHost.Emulators.EventSources;

/// <summary>
/// A small client of the SQS JSON API (<c>AmazonSQS</c>, AWS JSON 1.0), enough for an event source mapping and
/// an on-failure destination: receive, delete, send. It speaks to any SQS endpoint, the local emulator included.
/// </summary>
public sealed class SqsQueueClient(HttpClient http, Uri endpoint)
{
    /// <summary>
    /// Receives up to <paramref name="maxMessages"/> (1–10) messages with every system and message attribute,
    /// waiting up to <paramref name="waitSeconds"/> for the first (long polling).
    /// </summary>
    public async Task<IReadOnlyList<JsonObject>> ReceiveAsync(string queueUrl, int maxMessages, int waitSeconds, CancellationToken cancellationToken)
    {
        var response = await CallAsync("ReceiveMessage", new JsonObject
        {
            ["QueueUrl"] = queueUrl,
            ["MaxNumberOfMessages"] = maxMessages,
            ["WaitTimeSeconds"] = waitSeconds,
            ["MessageSystemAttributeNames"] = new JsonArray("All"),
            ["MessageAttributeNames"] = new JsonArray("All"),
        }, cancellationToken);
        return response["Messages"]?.AsArray().Select(message => message!.AsObject()).ToList() ?? [];
    }

    /// <summary>Deletes the messages of these receipt handles, ten per call; returns the handles whose deletion failed.</summary>
    public async Task<IReadOnlyList<string>> DeleteAsync(string queueUrl, IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken)
    {
        var failed = new List<string>();
        foreach (var chunk in receiptHandles.Chunk(10))
        {
            var entries = new JsonArray([.. chunk.Select((handle, index) => (JsonNode)new JsonObject { ["Id"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture), ["ReceiptHandle"] = handle })]);
            var response = await CallAsync("DeleteMessageBatch", new JsonObject { ["QueueUrl"] = queueUrl, ["Entries"] = entries }, cancellationToken);
            failed.AddRange(response["Failed"]?.AsArray().Select(entry => chunk[int.Parse(entry!["Id"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)]) ?? []);
        }
        return failed;
    }

    /// <summary>Sends one message; returns its id.</summary>
    public Task<string> SendAsync(string queueUrl, string body, CancellationToken cancellationToken) => SendAsync(queueUrl, body, null, cancellationToken);

    /// <summary>Sends one message, with String message attributes if any; returns its id.</summary>
    public async Task<string> SendAsync(string queueUrl, string body, IReadOnlyDictionary<string, string>? stringAttributes, CancellationToken cancellationToken)
    {
        var message = new JsonObject { ["QueueUrl"] = queueUrl, ["MessageBody"] = body };
        if (stringAttributes is { Count: > 0 })
        {
            message["MessageAttributes"] = new JsonObject(stringAttributes.Select(pair =>
                KeyValuePair.Create(pair.Key, (JsonNode?)new JsonObject { ["DataType"] = "String", ["StringValue"] = pair.Value })));
        }
        return (await CallAsync("SendMessage", message, cancellationToken))["MessageId"]!.GetValue<string>();
    }

    /// <summary>Creates the queue (or finds it, when it exists with these attributes); returns its URL.</summary>
    public async Task<string> CreateQueueAsync(string queueName, IReadOnlyDictionary<string, string> attributes, CancellationToken cancellationToken) =>
        (await CallAsync("CreateQueue", new JsonObject
        {
            ["QueueName"] = queueName,
            ["Attributes"] = new JsonObject(attributes.Select(pair => KeyValuePair.Create(pair.Key, (JsonNode?)pair.Value))),
        }, cancellationToken))["QueueUrl"]!.GetValue<string>();

    /// <summary>Sets the queue's attributes.</summary>
    public Task SetAttributesAsync(string queueUrl, IReadOnlyDictionary<string, string> attributes, CancellationToken cancellationToken) =>
        CallAsync("SetQueueAttributes", new JsonObject
        {
            ["QueueUrl"] = queueUrl,
            ["Attributes"] = new JsonObject(attributes.Select(pair => KeyValuePair.Create(pair.Key, (JsonNode?)pair.Value))),
        }, cancellationToken);

    /// <summary>Every attribute of the queue (<c>QueueArn</c>, the approximate counts, ...).</summary>
    public async Task<IReadOnlyDictionary<string, string>> AttributesAsync(string queueUrl, CancellationToken cancellationToken)
    {
        var response = await CallAsync("GetQueueAttributes", new JsonObject { ["QueueUrl"] = queueUrl, ["AttributeNames"] = new JsonArray("All") }, cancellationToken);
        return (response["Attributes"]?.AsObject() ?? []).ToDictionary(pair => pair.Key, pair => pair.Value!.GetValue<string>(), StringComparer.Ordinal);
    }

    /// <summary>Deletes every message of the queue.</summary>
    public Task PurgeAsync(string queueUrl, CancellationToken cancellationToken) =>
        CallAsync("PurgeQueue", new JsonObject { ["QueueUrl"] = queueUrl }, cancellationToken);

    /// <summary>Starts moving a dead-letter queue's messages back to the queues they came from; returns the task's handle.</summary>
    public async Task<string> StartRedriveAsync(string deadLetterQueueArn, CancellationToken cancellationToken) =>
        (await CallAsync("StartMessageMoveTask", new JsonObject { ["SourceArn"] = deadLetterQueueArn }, cancellationToken))["TaskHandle"]!.GetValue<string>();

    /// <summary>The queue's URL, by its name.</summary>
    public async Task<string> QueueUrlAsync(string queueName, CancellationToken cancellationToken) =>
        (await CallAsync("GetQueueUrl", new JsonObject { ["QueueName"] = queueName }, cancellationToken))["QueueUrl"]!.GetValue<string>();

    private async Task<JsonObject> CallAsync(string operation, JsonObject body, CancellationToken cancellationToken)
    {
        var (status, text) = await AwsJsonCall.SendAsync(http, endpoint, "sqs", "AmazonSQS." + operation, body, cancellationToken);
        return status is >= 200 and < 300 ? JsonNode.Parse(text)!.AsObject() : throw new SqsCallException(operation, status, text);
    }
}

/// <summary>An SQS call was refused; the message carries its error body.</summary>
public sealed class SqsCallException(string operation, int statusCode, string body)
    : Exception($"SQS {operation} failed with {statusCode}: {body}")
{
    /// <summary>True when the queue is gone (deleted while a mapping reads it).</summary>
    public bool IsQueueMissing => body.Contains("QueueDoesNotExist", StringComparison.Ordinal);
}
