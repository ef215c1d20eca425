using System.Globalization;
using System.Text.Json.Nodes;
using AppHost.Emulators.Sqs;
using AppHost.Emulators.TestTool;

namespace AppHost.Emulators.EventSources;

/// <summary>
/// An SQS batch as Lambda's SQS event source mapping delivers it: one message with the queue's example body
/// (or <c>{}</c>), and its signature as a String message attribute (name, value) when senders sign.
/// </summary>
public static class SqsSampleEvents
{
    public static SampleEvent Batch(string queueName, string queueArn, string region, string? exampleMessage, (string Name, string Value)? signature = null)
    {
        var body = exampleMessage ?? "{}";
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var record = new JsonObject
        {
            ["messageId"] = Guid.NewGuid().ToString(),
            ["receiptHandle"] = "sample-receipt-handle",
            ["body"] = body,
            ["attributes"] = new JsonObject
            {
                ["ApproximateReceiveCount"] = "1",
                ["SentTimestamp"] = now,
                ["SenderId"] = "000000000000",
                ["ApproximateFirstReceiveTimestamp"] = now,
            },
            ["messageAttributes"] = signature is var (name, value)
                ? new JsonObject { [name] = new JsonObject { ["stringValue"] = value, ["stringListValues"] = new JsonArray(), ["binaryListValues"] = new JsonArray(), ["dataType"] = "String" } }
                : new JsonObject(),
            ["md5OfBody"] = MessageDigests.Body(body),
            ["eventSource"] = "aws:sqs",
            ["eventSourceARN"] = queueArn,
            ["awsRegion"] = region,
        };
        return new SampleEvent(SampleEvent.IdFrom("sqs " + queueName), $"SQS batch of {queueName}: one message" + (signature is null ? "" : " (signed)"), new JsonObject { ["Records"] = new JsonArray(record) });
    }
}
