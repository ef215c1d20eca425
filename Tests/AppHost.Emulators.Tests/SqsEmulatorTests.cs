using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using AppHost.Emulators.Sqs;

namespace AppHost.Emulators.Tests;

/// <summary>A clock that runs with the system's but can be moved forward, for retention and deduplication windows.</summary>
public sealed class AdjustableClock : TimeProvider
{
    private TimeSpan _offset;

    public void Advance(TimeSpan by) => _offset += by;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + _offset;
}

/// <summary>One SQS emulator on a free port and the real AWS SDK client pointed at it; each test uses queues of its own.</summary>
public sealed class SqsEmulatorFixture : IAsyncLifetime
{
    public AdjustableClock Clock { get; } = new();

    public SqsEmulator Emulator { get; private set; } = null!;

    public AmazonSQSClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Emulator = await SqsEmulator.StartAsync(new SqsOptions { Port = 0, Region = "eu-west-1", Time = Clock });
        Client = new AmazonSQSClient(new BasicAWSCredentials("local", "local"),
            new AmazonSQSConfig { ServiceURL = Emulator.Endpoint.ToString(), AuthenticationRegion = "eu-west-1" });
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Emulator.DisposeAsync();
    }
}

public class SqsEmulatorTests(SqsEmulatorFixture fixture) : IClassFixture<SqsEmulatorFixture>
{
    private AmazonSQSClient Sqs => fixture.Client;

    private static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..12]}";

    private async Task<string> CreateQueueAsync(string prefix, Dictionary<string, string>? attributes = null, bool fifo = false)
    {
        var name = UniqueName(prefix) + (fifo ? ".fifo" : "");
        var request = new CreateQueueRequest { QueueName = name, Attributes = attributes ?? [] };
        if (fifo)
        {
            request.Attributes["FifoQueue"] = "true";
        }
        return (await Sqs.CreateQueueAsync(request)).QueueUrl;
    }

    private async Task<List<Message>> ReceiveAsync(string queueUrl, int max = 10, int? visibilityTimeout = null, int? waitSeconds = 0)
    {
        var response = await Sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = queueUrl,
            MaxNumberOfMessages = max,
            VisibilityTimeout = visibilityTimeout,
            WaitTimeSeconds = waitSeconds,
            MessageSystemAttributeNames = ["All"],
            MessageAttributeNames = ["All"],
        });
        return response.Messages ?? [];
    }

    private async Task<Dictionary<string, string>> AttributesAsync(string queueUrl) =>
        (await Sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = queueUrl, AttributeNames = ["All"] })).Attributes;

    [Fact]
    public async Task CreateQueueGivesTheLocalUrlAndArnAndIsIdempotentOnlyWhenTheAttributesMatch()
    {
        var name = UniqueName("create");
        var attributes = new Dictionary<string, string> { ["VisibilityTimeout"] = "45" };

        var url = (await Sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = name, Attributes = attributes })).QueueUrl;
        var again = (await Sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = name, Attributes = attributes })).QueueUrl;
        var conflict = await Assert.ThrowsAsync<QueueNameExistsException>(() =>
            Sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = name, Attributes = new() { ["VisibilityTimeout"] = "46" } }));

        Assert.Equal($"http://{fixture.Emulator.Endpoint.Authority}/000000000000/{name}", url);
        Assert.Equal(url, again);
        Assert.Equal(HttpStatusCode.BadRequest, conflict.StatusCode);
        var stored = await AttributesAsync(url);
        Assert.Equal($"arn:aws:sqs:eu-west-1:000000000000:{name}", stored["QueueArn"]);
        Assert.Equal("45", stored["VisibilityTimeout"]);
        var now = fixture.Clock.GetUtcNow().ToUnixTimeSeconds();
        Assert.InRange(long.Parse(stored["CreatedTimestamp"]), now - 60, now);
    }

    [Fact]
    public async Task CreateQueueRefusesBadNamesAndAttributes()
    {
        var badName = await Assert.ThrowsAsync<AmazonSQSException>(() => Sqs.CreateQueueAsync("has space"));
        var badValue = await Assert.ThrowsAsync<InvalidAttributeValueException>(() =>
            Sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = UniqueName("bad"), Attributes = new() { ["VisibilityTimeout"] = "43201" } }));
        var unknown = await Assert.ThrowsAsync<InvalidAttributeNameException>(() =>
            Sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = UniqueName("bad"), Attributes = new() { ["Colour"] = "blue" } }));
        var fifoWithoutFlag = await Assert.ThrowsAsync<AmazonSQSException>(() => Sqs.CreateQueueAsync(UniqueName("bad") + ".fifo"));

        Assert.Equal("InvalidParameterValue", badName.ErrorCode);
        Assert.Contains("VisibilityTimeout", badValue.Message, StringComparison.Ordinal);
        Assert.Contains("Colour", unknown.Message, StringComparison.Ordinal);
        Assert.Equal("InvalidParameterValue", fifoWithoutFlag.ErrorCode);
    }

    [Fact]
    public async Task GetQueueUrlListQueuesAndDeleteQueue()
    {
        var prefix = "list" + Guid.NewGuid().ToString("N")[..8];
        var first = (await Sqs.CreateQueueAsync(prefix + "-a")).QueueUrl;
        var second = (await Sqs.CreateQueueAsync(prefix + "-b")).QueueUrl;
        await Sqs.CreateQueueAsync("other" + prefix);

        var found = (await Sqs.GetQueueUrlAsync(prefix + "-b")).QueueUrl;
        var listed = (await Sqs.ListQueuesAsync(new ListQueuesRequest { QueueNamePrefix = prefix })).QueueUrls;
        var firstPage = await Sqs.ListQueuesAsync(new ListQueuesRequest { QueueNamePrefix = prefix, MaxResults = 1 });
        var secondPage = await Sqs.ListQueuesAsync(new ListQueuesRequest { QueueNamePrefix = prefix, MaxResults = 1, NextToken = firstPage.NextToken });
        await Sqs.DeleteQueueAsync(first);
        var missing = await Assert.ThrowsAsync<QueueDoesNotExistException>(() => Sqs.GetQueueUrlAsync(prefix + "-a"));
        var sendToDeleted = await Assert.ThrowsAsync<QueueDoesNotExistException>(() => Sqs.SendMessageAsync(first, "x"));

        Assert.Equal(second, found);
        Assert.Equal([first, second], listed);
        Assert.Equal([first], firstPage.QueueUrls);
        Assert.Equal([second], secondPage.QueueUrls);
        Assert.Null(secondPage.NextToken);
        Assert.Equal("AWS.SimpleQueueService.NonExistentQueue", missing.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, sendToDeleted.StatusCode);
    }

    [Fact]
    public async Task ErrorsHaveSqsJsonShapeStatusAndQueryErrorHeader()
    {
        using var http = new HttpClient();

        using var missingQueue = await PostAsync(http, "GetQueueUrl", """{"QueueName":"no-such-queue"}""");
        using var missingParameter = await PostAsync(http, "SendMessage", "{}");
        using var unknownOperation = await PostAsync(http, "Fly", "{}");

        Assert.Equal(HttpStatusCode.BadRequest, missingQueue.StatusCode);
        Assert.Equal("application/x-amz-json-1.0", missingQueue.Content.Headers.ContentType?.MediaType);
        Assert.Equal("AWS.SimpleQueueService.NonExistentQueue;Sender", missingQueue.Headers.GetValues("x-amzn-query-error").Single());
        var error = JsonDocument.Parse(await missingQueue.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("com.amazonaws.sqs#QueueDoesNotExist", error.GetProperty("__type").GetString());
        Assert.Equal("The specified queue does not exist.", error.GetProperty("message").GetString());
        var missing = JsonDocument.Parse(await missingParameter.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.BadRequest, missingParameter.StatusCode);
        Assert.Equal("com.amazonaws.sqs#MissingParameter", missing.GetProperty("__type").GetString());
        Assert.Contains("QueueUrl", missing.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, unknownOperation.StatusCode);
        Assert.Contains("UnknownOperationException", await unknownOperation.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> PostAsync(HttpClient http, string operation, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, fixture.Emulator.Endpoint) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.0");
        request.Headers.Add("X-Amz-Target", "AmazonSQS." + operation);
        return await http.SendAsync(request);
    }

    [Fact]
    public async Task SendAndReceiveCarryBodyAttributesAndSystemAttributesWithDigestsTheSdkAccepts()
    {
        var queue = await CreateQueueAsync("send");
        var sent = await Sqs.SendMessageAsync(new SendMessageRequest
        {
            QueueUrl = queue,
            MessageBody = "héllo wörld ✓",
            MessageAttributes = new()
            {
                ["kind"] = new() { DataType = "String", StringValue = "greeting" },
                ["count"] = new() { DataType = "Number", StringValue = "42" },
                ["blob"] = new() { DataType = "Binary.gz", BinaryValue = new MemoryStream([1, 2, 3, 255]) },
            },
            MessageSystemAttributes = new() { ["AWSTraceHeader"] = new() { DataType = "String", StringValue = "Root=1-5759e988-bd862e3fe1be46a994272793" } },
        });
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var message = Assert.Single(await ReceiveAsync(queue));
        var onlyKind = await Sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = queue, MessageBody = "second", MessageAttributes = new() { ["kind"] = new() { DataType = "String", StringValue = "k" }, ["other"] = new() { DataType = "String", StringValue = "o" } } });
        var filtered = (await Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queue, MessageAttributeNames = ["kind"] })).Messages.Single();

        Assert.Equal(sent.MessageId, message.MessageId);
        Assert.Equal("héllo wörld ✓", message.Body);
        Assert.Equal("greeting", message.MessageAttributes["kind"].StringValue);
        Assert.Equal("42", message.MessageAttributes["count"].StringValue);
        Assert.Equal([1, 2, 3, 255], message.MessageAttributes["blob"].BinaryValue.ToArray());
        Assert.Equal("Binary.gz", message.MessageAttributes["blob"].DataType);
        Assert.Equal("1", message.Attributes["ApproximateReceiveCount"]);
        Assert.InRange(long.Parse(message.Attributes["SentTimestamp"]), before - 10_000, before + 1_000);
        Assert.InRange(long.Parse(message.Attributes["ApproximateFirstReceiveTimestamp"]), long.Parse(message.Attributes["SentTimestamp"]), before + 10_000);
        Assert.Equal("Root=1-5759e988-bd862e3fe1be46a994272793", message.Attributes["AWSTraceHeader"]);
        Assert.Equal(onlyKind.MessageId, filtered.MessageId);
        Assert.Equal(["kind"], filtered.MessageAttributes.Keys);
        Assert.Null(filtered.Attributes);
    }

    [Fact]
    public void TheAttributeDigestFollowsSqsAlgorithm()
    {
        // The MD5 of 00000001 'a' 00000006 'String' 01 00000001 'b': name, type, transport byte, value.
        const string expected = "bef8bf215374a0a228d67533b1a488be";

        var digest = MessageDigests.Attributes(new Dictionary<string, Sqs.MessageAttributeValue> { ["a"] = new("String", "b", null) });

        Assert.Equal(expected, digest);
        Assert.Equal("5d41402abc4b2a76b9719d911017c592", MessageDigests.Body("hello"));
    }

    [Fact]
    public async Task AReceivedMessageStaysHiddenUntilItsVisibilityTimeoutThenComesBackWithReceiveCountTwo()
    {
        var queue = await CreateQueueAsync("visibility");
        await Sqs.SendMessageAsync(queue, "once");

        var first = Assert.Single(await ReceiveAsync(queue, visibilityTimeout: 1));
        Assert.Empty(await ReceiveAsync(queue));
        await Task.Delay(1200);
        var second = Assert.Single(await ReceiveAsync(queue, visibilityTimeout: 30));
        var stale = await Assert.ThrowsAsync<ReceiptHandleIsInvalidException>(() => Sqs.DeleteMessageAsync(queue, first.ReceiptHandle));
        await Sqs.DeleteMessageAsync(queue, second.ReceiptHandle);

        Assert.Equal(first.MessageId, second.MessageId);
        Assert.NotEqual(first.ReceiptHandle, second.ReceiptHandle);
        Assert.Equal("2", second.Attributes["ApproximateReceiveCount"]);
        Assert.Equal(first.Attributes["ApproximateFirstReceiveTimestamp"], second.Attributes["ApproximateFirstReceiveTimestamp"]);
        Assert.Equal(HttpStatusCode.BadRequest, stale.StatusCode);
        Assert.Equal("0", (await AttributesAsync(queue))["ApproximateNumberOfMessagesNotVisible"]);
        Assert.Empty(await ReceiveAsync(queue));
        await Assert.ThrowsAsync<ReceiptHandleIsInvalidException>(() => Sqs.DeleteMessageAsync(queue, "not-a-handle"));
    }

    [Fact]
    public async Task LongPollingReturnsAsSoonAsAMessageArrives()
    {
        var queue = await CreateQueueAsync("longpoll");
        var clock = Stopwatch.StartNew();

        var receiving = ReceiveAsync(queue, waitSeconds: 10);
        await Task.Delay(300);
        Assert.False(receiving.IsCompleted);
        await Sqs.SendMessageAsync(queue, "wake up");
        var message = Assert.Single(await receiving);

        Assert.Equal("wake up", message.Body);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task LongPollingOnAnEmptyQueueWaitsTheWholeWaitTimeAndReturnsNothing()
    {
        var queue = await CreateQueueAsync("emptypoll", new() { ["ReceiveMessageWaitTimeSeconds"] = "1" });
        var clock = Stopwatch.StartNew();

        var messages = await ReceiveAsync(queue, waitSeconds: null);

        Assert.Empty(messages);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task DeletingAQueueEndsItsLongPollsWithQueueDoesNotExist()
    {
        var queue = await CreateQueueAsync("deletedwhilepolling");
        var clock = Stopwatch.StartNew();

        var receiving = ReceiveAsync(queue, waitSeconds: 10);
        await Task.Delay(300);
        await Sqs.DeleteQueueAsync(queue);

        await Assert.ThrowsAsync<QueueDoesNotExistException>(() => receiving);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ChangeMessageVisibilityHidesLongerOrReleasesAtOnce()
    {
        var queue = await CreateQueueAsync("change");
        await Sqs.SendMessageAsync(queue, "m");

        var received = Assert.Single(await ReceiveAsync(queue, visibilityTimeout: 1));
        await Sqs.ChangeMessageVisibilityAsync(queue, received.ReceiptHandle, 60);
        await Task.Delay(1200);
        Assert.Empty(await ReceiveAsync(queue));
        await Sqs.ChangeMessageVisibilityAsync(queue, received.ReceiptHandle, 0);
        var again = Assert.Single(await ReceiveAsync(queue, visibilityTimeout: 0));
        var notInFlight = await Assert.ThrowsAsync<MessageNotInflightException>(() => Sqs.ChangeMessageVisibilityAsync(queue, again.ReceiptHandle, 10));
        var outOfRange = await Assert.ThrowsAsync<AmazonSQSException>(() => Sqs.ChangeMessageVisibilityAsync(queue, again.ReceiptHandle, 43_201));

        Assert.Equal("AWS.SimpleQueueService.MessageNotInflight", notInFlight.ErrorCode);
        Assert.Equal("InvalidParameterValue", outOfRange.ErrorCode);
    }

    [Fact]
    public async Task QueueAttributesCountVisibleInFlightAndDelayedMessagesAndCanBeChanged()
    {
        var queue = await CreateQueueAsync("counts");
        await Sqs.SendMessageAsync(queue, "visible");
        await Sqs.SendMessageAsync(queue, "in flight");
        await Sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = queue, MessageBody = "delayed", DelaySeconds = 60 });
        Assert.Single(await ReceiveAsync(queue, max: 1));

        await Sqs.SetQueueAttributesAsync(queue, new() { ["VisibilityTimeout"] = "120", ["DelaySeconds"] = "5" });
        var attributes = await AttributesAsync(queue);
        var some = (await Sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = queue, AttributeNames = ["ApproximateNumberOfMessages", "QueueArn"] })).Attributes;
        var invalid = await Assert.ThrowsAsync<InvalidAttributeValueException>(() => Sqs.SetQueueAttributesAsync(queue, new() { ["DelaySeconds"] = "901" }));
        var unknownName = await Assert.ThrowsAsync<InvalidAttributeNameException>(() =>
            Sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = queue, AttributeNames = ["Colour"] }));

        Assert.Equal("1", attributes["ApproximateNumberOfMessages"]);
        Assert.Equal("1", attributes["ApproximateNumberOfMessagesNotVisible"]);
        Assert.Equal("1", attributes["ApproximateNumberOfMessagesDelayed"]);
        Assert.Equal("120", attributes["VisibilityTimeout"]);
        Assert.Equal("5", attributes["DelaySeconds"]);
        Assert.Equal("262144", attributes["MaximumMessageSize"]);
        Assert.Equal("345600", attributes["MessageRetentionPeriod"]);
        Assert.Equal(["ApproximateNumberOfMessages", "QueueArn"], some.Keys.Order());
        Assert.Equal("InvalidAttributeValue", invalid.ErrorCode);
        Assert.Contains("Colour", unknownName.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueuesCarryTagsFromCreationTagQueueAndUntagQueue()
    {
        var name = UniqueName("tags");
        var queue = (await Sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = name, Tags = new() { ["team"] = "games" } })).QueueUrl;

        await Sqs.TagQueueAsync(new TagQueueRequest { QueueUrl = queue, Tags = new() { ["env"] = "local", ["team"] = "leaderboard" } });
        await Sqs.UntagQueueAsync(new UntagQueueRequest { QueueUrl = queue, TagKeys = ["env"] });
        var tags = (await Sqs.ListQueueTagsAsync(new ListQueueTagsRequest { QueueUrl = queue })).Tags;

        Assert.Equal(new Dictionary<string, string> { ["team"] = "leaderboard" }, tags);
    }

    [Fact]
    public async Task PurgeQueueDeletesEveryMessage()
    {
        var queue = await CreateQueueAsync("purge");
        await Sqs.SendMessageAsync(queue, "a");
        await Sqs.SendMessageAsync(queue, "b");
        Assert.Single(await ReceiveAsync(queue, max: 1));

        await Sqs.PurgeQueueAsync(queue);

        var attributes = await AttributesAsync(queue);
        Assert.Equal("0", attributes["ApproximateNumberOfMessages"]);
        Assert.Equal("0", attributes["ApproximateNumberOfMessagesNotVisible"]);
        Assert.Empty(await ReceiveAsync(queue));
    }

    [Fact]
    public async Task BatchesSucceedOrFailPerEntry()
    {
        var queue = await CreateQueueAsync("batch", new() { ["MaximumMessageSize"] = "1024" });

        var sent = await Sqs.SendMessageBatchAsync(queue,
        [
            new("one", "first") { MessageAttributes = new() { ["n"] = new() { DataType = "Number", StringValue = "1" } } },
            new("two", new string('x', 1025)),
            new("three", "third") { DelaySeconds = 0 },
        ]);
        var received = await ReceiveAsync(queue);
        var deleted = await Sqs.DeleteMessageBatchAsync(queue,
        [
            new("ok", received[0].ReceiptHandle),
            new("bad", "bm90IGEgaGFuZGxl"),
        ]);
        var changed = await Sqs.ChangeMessageVisibilityBatchAsync(queue,
        [
            new("release", received[1].ReceiptHandle) { VisibilityTimeout = 0 },
            new("gone", received[0].ReceiptHandle) { VisibilityTimeout = 0 },
        ]);
        var again = Assert.Single(await ReceiveAsync(queue));

        Assert.Equal(["one", "three"], sent.Successful.Select(entry => entry.Id).Order());
        var tooLong = Assert.Single(sent.Failed);
        Assert.Equal("two", tooLong.Id);
        Assert.Equal("InvalidParameterValue", tooLong.Code);
        Assert.True(tooLong.SenderFault);
        Assert.Contains("1024 bytes", tooLong.Message, StringComparison.Ordinal);
        Assert.Equal(["first", "third"], received.Select(message => message.Body).Order());
        Assert.Equal("ok", Assert.Single(deleted.Successful).Id);
        Assert.Equal("ReceiptHandleIsInvalid", Assert.Single(deleted.Failed).Code);
        Assert.Equal("release", Assert.Single(changed.Successful).Id);
        Assert.Equal("gone", Assert.Single(changed.Failed).Id);
        Assert.Equal(received[1].MessageId, again.MessageId);
    }

    [Fact]
    public async Task BatchesRefuseNoEntriesTooManyEntriesAndRepeatedIds()
    {
        var queue = await CreateQueueAsync("batcherrors");

        var empty = await Assert.ThrowsAsync<EmptyBatchRequestException>(() => Sqs.SendMessageBatchAsync(queue, []));
        var tooMany = await Assert.ThrowsAsync<TooManyEntriesInBatchRequestException>(() =>
            Sqs.SendMessageBatchAsync(queue, [.. Enumerable.Range(0, 11).Select(i => new SendMessageBatchRequestEntry($"m{i}", "x"))]));
        var repeated = await Assert.ThrowsAsync<BatchEntryIdsNotDistinctException>(() =>
            Sqs.DeleteMessageBatchAsync(queue, [new("same", "a"), new("same", "b")]));
        var tooLong = await Assert.ThrowsAsync<BatchRequestTooLongException>(() =>
            Sqs.SendMessageBatchAsync(queue, [.. Enumerable.Range(0, 10).Select(i => new SendMessageBatchRequestEntry($"m{i}", new string('x', 30 * 1024)))]));
        var badId = await Assert.ThrowsAsync<InvalidBatchEntryIdException>(() =>
            Sqs.ChangeMessageVisibilityBatchAsync(queue, [new("no spaces", "a")]));

        Assert.Equal("AWS.SimpleQueueService.EmptyBatchRequest", empty.ErrorCode);
        Assert.Equal("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", tooMany.ErrorCode);
        Assert.Equal("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", repeated.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
        Assert.Contains("262144 bytes", tooLong.Message, StringComparison.Ordinal);
        Assert.Equal("0", (await AttributesAsync(queue))["ApproximateNumberOfMessages"]);
    }

    [Fact]
    public async Task DelayedMessagesAppearOnlyAfterTheirDelay()
    {
        var queue = await CreateQueueAsync("delay", new() { ["DelaySeconds"] = "1" });
        await Sqs.SendMessageAsync(queue, "queue delay");
        await Sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = queue, MessageBody = "no delay", DelaySeconds = 0 });

        var immediately = await ReceiveAsync(queue);
        Assert.Equal("1", (await AttributesAsync(queue))["ApproximateNumberOfMessagesDelayed"]);
        var afterWaiting = await ReceiveAsync(queue, waitSeconds: 5);

        Assert.Equal("no delay", Assert.Single(immediately).Body);
        Assert.Equal("queue delay", Assert.Single(afterWaiting).Body);
        await Assert.ThrowsAsync<AmazonSQSException>(() => Sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = queue, MessageBody = "x", DelaySeconds = 901 }));
    }

    [Fact]
    public async Task MessagesOverTheSizeLimitAreRefusedNamingTheLimit()
    {
        var queue = await CreateQueueAsync("size");

        var tooLarge = await Assert.ThrowsAsync<AmazonSQSException>(() => Sqs.SendMessageAsync(queue, new string('x', 262_145)));
        var atLimit = await Sqs.SendMessageAsync(queue, new string('x', 262_144));
        var invalidCharacter = await Assert.ThrowsAsync<InvalidMessageContentsException>(() => Sqs.SendMessageAsync(queue, "bell \u0007"));

        Assert.Equal("InvalidParameterValue", tooLarge.ErrorCode);
        Assert.Contains("262144 bytes", tooLarge.Message, StringComparison.Ordinal);
        Assert.NotNull(atLimit.MessageId);
        Assert.Equal(HttpStatusCode.BadRequest, invalidCharacter.StatusCode);
        Assert.Equal(262_144, Assert.Single(await ReceiveAsync(queue)).Body.Length);
    }

    [Fact]
    public async Task ReceiveRefusesOutOfRangeParameters()
    {
        var queue = await CreateQueueAsync("ranges");

        var tooMany = await Assert.ThrowsAsync<AmazonSQSException>(() => Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queue, MaxNumberOfMessages = 11 }));
        var tooLong = await Assert.ThrowsAsync<AmazonSQSException>(() => Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queue, WaitTimeSeconds = 21 }));

        Assert.Equal("InvalidParameterValue", tooMany.ErrorCode);
        Assert.Contains("MaxNumberOfMessages", tooMany.Message, StringComparison.Ordinal);
        Assert.Equal("InvalidParameterValue", tooLong.ErrorCode);
        Assert.Contains("WaitTimeSeconds", tooLong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MessagesOlderThanTheRetentionPeriodAreDropped()
    {
        var queue = await CreateQueueAsync("retention", new() { ["MessageRetentionPeriod"] = "60" });
        await Sqs.SendMessageAsync(queue, "old");

        fixture.Clock.Advance(TimeSpan.FromSeconds(61));

        Assert.Equal("0", (await AttributesAsync(queue))["ApproximateNumberOfMessages"]);
        Assert.Empty(await ReceiveAsync(queue));
    }

    [Fact]
    public async Task AMessageReceivedMoreThanMaxReceiveCountTimesMovesToTheDeadLetterQueue()
    {
        var deadLetters = await CreateQueueAsync("dlq");
        var deadLettersArn = (await AttributesAsync(deadLetters))["QueueArn"];
        var source = await CreateQueueAsync("source", new() { ["RedrivePolicy"] = $$"""{"deadLetterTargetArn":"{{deadLettersArn}}","maxReceiveCount":"2"}""" });
        var sourceArn = (await AttributesAsync(source))["QueueArn"];
        var sent = await Sqs.SendMessageAsync(source, "poison");

        Assert.Single(await ReceiveAsync(source, visibilityTimeout: 0));
        Assert.Single(await ReceiveAsync(source, visibilityTimeout: 0));
        var third = await ReceiveAsync(source, visibilityTimeout: 0);
        var moved = Assert.Single(await ReceiveAsync(deadLetters));
        var sources = await Sqs.ListDeadLetterSourceQueuesAsync(new ListDeadLetterSourceQueuesRequest { QueueUrl = deadLetters });
        var missingTarget = await Assert.ThrowsAsync<AmazonSQSException>(() => Sqs.SetQueueAttributesAsync(source,
            new() { ["RedrivePolicy"] = """{"deadLetterTargetArn":"arn:aws:sqs:eu-west-1:000000000000:nowhere","maxReceiveCount":1}""" }));

        Assert.Empty(third);
        Assert.Equal(sent.MessageId, moved.MessageId);
        Assert.Equal("poison", moved.Body);
        Assert.Equal(sourceArn, moved.Attributes["DeadLetterQueueSourceArn"]);
        Assert.Equal("0", (await AttributesAsync(source))["ApproximateNumberOfMessages"]);
        Assert.Equal($$"""{"deadLetterTargetArn":"{{deadLettersArn}}","maxReceiveCount":2}""", (await AttributesAsync(source))["RedrivePolicy"]);
        Assert.Equal([source], sources.QueueUrls);
        Assert.Equal("InvalidParameterValue", missingTarget.ErrorCode);
    }

    private async Task<(string Source, string DeadLetters, string DeadLettersArn)> DeadLetteredAsync(string prefix, int messages)
    {
        var deadLetters = await CreateQueueAsync(prefix + "-dlq");
        var deadLettersArn = (await AttributesAsync(deadLetters))["QueueArn"];
        var source = await CreateQueueAsync(prefix, new() { ["RedrivePolicy"] = $$"""{"deadLetterTargetArn":"{{deadLettersArn}}","maxReceiveCount":1}""" });
        await Sqs.SendMessageBatchAsync(source, [.. Enumerable.Range(0, messages).Select(i => new SendMessageBatchRequestEntry($"m{i}", $"message {i}"))]);
        Assert.Equal(messages, (await ReceiveAsync(source, visibilityTimeout: 0)).Count);
        Assert.Empty(await ReceiveAsync(source));
        Assert.Equal(messages.ToString(), (await AttributesAsync(deadLetters))["ApproximateNumberOfMessages"]);
        return (source, deadLetters, deadLettersArn);
    }

    private async Task<ListMessageMoveTasksResultEntry> WaitForMoveTaskAsync(string sourceArn)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var latest = (await Sqs.ListMessageMoveTasksAsync(new ListMessageMoveTasksRequest { SourceArn = sourceArn })).Results.Single();
            if (latest.Status is not ("RUNNING" or "CANCELLING") || clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                return latest;
            }
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task AMessageMoveTaskReturnsDeadLettersToTheirSourceQueue()
    {
        var (source, deadLetters, deadLettersArn) = await DeadLetteredAsync("redrive", 3);

        var started = await Sqs.StartMessageMoveTaskAsync(new StartMessageMoveTaskRequest { SourceArn = deadLettersArn });
        var finished = await WaitForMoveTaskAsync(deadLettersArn);
        var returned = await ReceiveAsync(source);

        Assert.False(string.IsNullOrEmpty(started.TaskHandle));
        Assert.Equal("COMPLETED", finished.Status);
        Assert.Equal(3, finished.ApproximateNumberOfMessagesMoved);
        Assert.Equal(3, finished.ApproximateNumberOfMessagesToMove);
        Assert.Null(finished.TaskHandle);
        Assert.Equal(["message 0", "message 1", "message 2"], returned.Select(message => message.Body).Order());
        Assert.All(returned, message => Assert.False(message.Attributes.ContainsKey("DeadLetterQueueSourceArn")));
        Assert.All(returned, message => Assert.Equal("1", message.Attributes["ApproximateReceiveCount"]));
        Assert.Empty(await ReceiveAsync(deadLetters));
    }

    [Fact]
    public async Task AMessageMoveTaskHonoursItsRateAndCanBeCancelled()
    {
        var (_, deadLetters, deadLettersArn) = await DeadLetteredAsync("slowmove", 5);
        var destination = await CreateQueueAsync("destination");
        var destinationArn = (await AttributesAsync(destination))["QueueArn"];

        var started = await Sqs.StartMessageMoveTaskAsync(new StartMessageMoveTaskRequest { SourceArn = deadLettersArn, DestinationArn = destinationArn, MaxNumberOfMessagesPerSecond = 1 });
        var second = await Assert.ThrowsAsync<UnsupportedOperationException>(() => Sqs.StartMessageMoveTaskAsync(new StartMessageMoveTaskRequest { SourceArn = deadLettersArn }));
        await Task.Delay(1500);
        var cancelled = await Sqs.CancelMessageMoveTaskAsync(new CancelMessageMoveTaskRequest { TaskHandle = started.TaskHandle });
        var finished = await WaitForMoveTaskAsync(deadLettersArn);
        var moved = (await ReceiveAsync(destination)).Count;
        var left = (await ReceiveAsync(deadLetters)).Count;

        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.InRange(cancelled.ApproximateNumberOfMessagesMoved.GetValueOrDefault(), 1, 4);
        Assert.Equal("CANCELLED", finished.Status);
        Assert.Equal(destinationArn, finished.DestinationArn);
        Assert.Equal(1, finished.MaxNumberOfMessagesPerSecond);
        Assert.Equal(finished.ApproximateNumberOfMessagesMoved, moved);
        Assert.Equal(5, moved + left);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Sqs.CancelMessageMoveTaskAsync(new CancelMessageMoveTaskRequest { TaskHandle = started.TaskHandle }));
    }

    [Fact]
    public async Task AMessageMoveTaskNeedsAnExistingDeadLetterQueue()
    {
        var plain = await CreateQueueAsync("notdlq");
        var plainArn = (await AttributesAsync(plain))["QueueArn"];

        var notDeadLetterQueue = await Assert.ThrowsAsync<AmazonSQSException>(() => Sqs.StartMessageMoveTaskAsync(new StartMessageMoveTaskRequest { SourceArn = plainArn }));
        var missing = await Assert.ThrowsAsync<ResourceNotFoundException>(() =>
            Sqs.StartMessageMoveTaskAsync(new StartMessageMoveTaskRequest { SourceArn = "arn:aws:sqs:eu-west-1:000000000000:missing" }));

        Assert.Equal("InvalidParameterValue", notDeadLetterQueue.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
    }

    [Fact]
    public async Task AFifoQueueDeliversEachGroupInOrderAndHoldsAGroupWhileOneOfItsMessagesIsInFlight()
    {
        var queue = await CreateQueueAsync("fifo", fifo: true);
        var sequenceNumbers = new List<string>();
        foreach (var (group, body) in new[] { ("a", "a1"), ("b", "b1"), ("a", "a2"), ("b", "b2"), ("a", "a3") })
        {
            var sent = await Sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = queue, MessageBody = body, MessageGroupId = group, MessageDeduplicationId = body });
            sequenceNumbers.Add(sent.SequenceNumber);
        }

        var first = Assert.Single(await ReceiveAsync(queue, max: 1));
        var second = Assert.Single(await ReceiveAsync(queue, max: 1));
        var whileBothHeld = await ReceiveAsync(queue);
        await Sqs.DeleteMessageAsync(queue, first.ReceiptHandle);
        var restOfA = await ReceiveAsync(queue);

        Assert.Equal(sequenceNumbers.Order(StringComparer.Ordinal), sequenceNumbers);
        Assert.Equal(5, sequenceNumbers.Distinct().Count());
        Assert.Equal("a1", first.Body);
        Assert.Equal("b1", second.Body);
        Assert.Equal("a", first.Attributes["MessageGroupId"]);
        Assert.Equal(sequenceNumbers[0], first.Attributes["SequenceNumber"]);
        Assert.Equal("a1", first.Attributes["MessageDeduplicationId"]);
        Assert.Empty(whileBothHeld);
        Assert.Equal(["a2", "a3"], restOfA.Select(message => message.Body));
    }

    [Fact]
    public async Task AFifoQueueDropsDuplicatesForFiveMinutesAndRequiresAGroup()
    {
        var queue = await CreateQueueAsync("dedup", new() { ["ContentBasedDeduplication"] = "true" }, fifo: true);

        var original = await Sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = queue, MessageBody = "same", MessageGroupId = "g" });
        var duplicate = await Sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = queue, MessageBody = "same", MessageGroupId = "g" });
        var explicitId = await Sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = queue, MessageBody = "same", MessageGroupId = "g", MessageDeduplicationId = "other" });
        fixture.Clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var afterWindow = await Sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = queue, MessageBody = "same", MessageGroupId = "g" });
        var noGroup = await Assert.ThrowsAsync<AmazonSQSException>(() => Sqs.SendMessageAsync(queue, "x"));
        var perMessageDelay = await Assert.ThrowsAsync<AmazonSQSException>(() =>
            Sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = queue, MessageBody = "x", MessageGroupId = "g", DelaySeconds = 1 }));

        Assert.Equal(original.MessageId, duplicate.MessageId);
        Assert.Equal(original.SequenceNumber, duplicate.SequenceNumber);
        Assert.NotEqual(original.MessageId, explicitId.MessageId);
        Assert.NotEqual(original.MessageId, afterWindow.MessageId);
        Assert.Equal(3, (await ReceiveAsync(queue)).Count);
        Assert.Equal("MissingParameter", noGroup.ErrorCode);
        Assert.Equal("InvalidParameterValue", perMessageDelay.ErrorCode);
    }

    [Fact]
    public async Task ConcurrentReceiversNeverGetTheSameMessage()
    {
        var queue = await CreateQueueAsync("concurrent");
        const int count = 60;
        for (var batch = 0; batch < count / 10; batch++)
        {
            await Sqs.SendMessageBatchAsync(queue, [.. Enumerable.Range(0, 10).Select(i => new SendMessageBatchRequestEntry($"m{i}", $"{batch * 10 + i}"))]);
        }

        var receivers = Enumerable.Range(0, 6).Select(async _ =>
        {
            var mine = new List<string>();
            List<Message> received;
            while ((received = await ReceiveAsync(queue, max: 3, visibilityTimeout: 60)).Count > 0)
            {
                mine.AddRange(received.Select(message => message.Body));
            }
            return mine;
        });
        var all = (await Task.WhenAll(receivers)).SelectMany(bodies => bodies).ToList();

        Assert.Equal(count, all.Count);
        Assert.Equal(count, all.Distinct().Count());
    }

    // The CLI on the PATH and Debian's awscli package (2.9.19, on Debian's newer botocore): both send SQS's JSON protocol.
    [Theory]
    [InlineData("aws")]
    [InlineData(AwsCli.DebianPackage)]
    public async Task TheAwsCliCreatesAQueueSendsAndReceives(string cli)
    {
        var endpoint = fixture.Emulator.Endpoint.ToString();
        var name = UniqueName("cli");

        var created = await AwsCli.RunWithAsync(cli, "sqs", "create-queue", "--endpoint-url", endpoint, "--queue-name", name, "--attributes", "VisibilityTimeout=40");
        Assert.True(created.ExitCode == 0, created.Stderr);
        var queueUrl = JsonDocument.Parse(created.Stdout).RootElement.GetProperty("QueueUrl").GetString()!;
        var sent = await AwsCli.RunWithAsync(cli, "sqs", "send-message", "--endpoint-url", endpoint, "--queue-url", queueUrl, "--message-body", "from the cli",
            "--message-attributes", """{"source":{"DataType":"String","StringValue":"cli"}}""");
        Assert.True(sent.ExitCode == 0, sent.Stderr);
        var received = await AwsCli.RunWithAsync(cli, "sqs", "receive-message", "--endpoint-url", endpoint, "--queue-url", queueUrl,
            "--attribute-names", "All", "--message-attribute-names", "All", "--wait-time-seconds", "1");
        var missing = await AwsCli.RunWithAsync(cli, "sqs", "get-queue-url", "--endpoint-url", endpoint, "--queue-name", "no-such-queue-" + name);

        Assert.True(received.ExitCode == 0, received.Stderr);
        var message = JsonDocument.Parse(received.Stdout).RootElement.GetProperty("Messages")[0];
        Assert.Equal("from the cli", message.GetProperty("Body").GetString());
        Assert.Equal(JsonDocument.Parse(sent.Stdout).RootElement.GetProperty("MessageId").GetString(), message.GetProperty("MessageId").GetString());
        Assert.Equal("cli", message.GetProperty("MessageAttributes").GetProperty("source").GetProperty("StringValue").GetString());
        Assert.Equal("1", message.GetProperty("Attributes").GetProperty("ApproximateReceiveCount").GetString());
        Assert.Equal("40", (await AttributesAsync(queueUrl))["VisibilityTimeout"]);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("NonExistentQueue", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheQueryProtocolOfOlderSdksSendsReceivesAndDeletesInXml()
    {
        var queueUrl = await CreateQueueAsync("query");
        using var http = new HttpClient { BaseAddress = fixture.Emulator.Endpoint };

        var sent = await QueryAsync(http, "/", ("Action", "SendMessage"), ("QueueUrl", queueUrl), ("MessageBody", "<match id=\"1\"/>"),
            ("MessageAttribute.1.Name", "source"), ("MessageAttribute.1.Value.DataType", "String"), ("MessageAttribute.1.Value.StringValue", "legacy"));
        var received = await QueryAsync(http, new Uri(queueUrl).AbsolutePath, ("Action", "ReceiveMessage"), ("AttributeName.1", "All"), ("MessageAttributeName.1", "All"));
        var receiptHandle = received.Body.Descendants(InXml("ReceiptHandle")).Single().Value;
        var deleted = await QueryAsync(http, "/", ("Action", "DeleteMessageBatch"), ("QueueUrl", queueUrl),
            ("DeleteMessageBatchRequestEntry.1.Id", "first"), ("DeleteMessageBatchRequestEntry.1.ReceiptHandle", receiptHandle),
            ("DeleteMessageBatchRequestEntry.2.Id", "second"), ("DeleteMessageBatchRequestEntry.2.ReceiptHandle", "not-a-handle"));

        Assert.Equal(HttpStatusCode.OK, sent.Status);
        Assert.Equal(MessageDigests.Body("<match id=\"1\"/>"), sent.Body.Descendants(InXml("MD5OfMessageBody")).Single().Value);
        var message = received.Body.Descendants(InXml("Message")).Single();
        Assert.Equal(sent.Body.Descendants(InXml("MessageId")).Single().Value, message.Element(InXml("MessageId"))!.Value);
        Assert.Equal("<match id=\"1\"/>", message.Element(InXml("Body"))!.Value);
        Assert.Equal("1", message.Elements(InXml("Attribute")).Single(attribute => attribute.Element(InXml("Name"))!.Value == "ApproximateReceiveCount").Element(InXml("Value"))!.Value);
        Assert.Equal("legacy", message.Element(InXml("MessageAttribute"))!.Element(InXml("Value"))!.Element(InXml("StringValue"))!.Value);
        Assert.Equal("first", deleted.Body.Descendants(InXml("DeleteMessageBatchResultEntry")).Single().Element(InXml("Id"))!.Value);
        Assert.Equal("second", deleted.Body.Descendants(InXml("BatchResultErrorEntry")).Single().Element(InXml("Id"))!.Value);
        Assert.Equal("0", (await AttributesAsync(queueUrl))["ApproximateNumberOfMessagesNotVisible"]);
    }

    [Fact]
    public async Task TheQueryProtocolAnswersAttributesAndErrorsInXml()
    {
        using var http = new HttpClient { BaseAddress = fixture.Emulator.Endpoint };
        var name = UniqueName("query-attributes");

        var created = await QueryAsync(http, "/", ("Action", "CreateQueue"), ("QueueName", name), ("Attribute.1.Name", "VisibilityTimeout"), ("Attribute.1.Value", "45"),
            ("Tag.1.Key", "team"), ("Tag.1.Value", "scores"));
        var queueUrl = created.Body.Descendants(InXml("QueueUrl")).Single().Value;
        var attributes = await QueryAsync(http, "/", ("Action", "GetQueueAttributes"), ("QueueUrl", queueUrl), ("AttributeName.1", "VisibilityTimeout"));
        var tags = await QueryAsync(http, "/", ("Action", "ListQueueTags"), ("QueueUrl", queueUrl));
        var missing = await QueryAsync(http, "/", ("Action", "GetQueueUrl"), ("QueueName", "no-such-queue-" + name));
        var unknown = await QueryAsync(http, "/", ("Action", "FlyToTheMoon"));

        Assert.Equal("45", attributes.Body.Descendants(InXml("Attribute")).Single().Element(InXml("Value"))!.Value);
        Assert.Equal("scores", tags.Body.Descendants(InXml("Tag")).Single().Element(InXml("Value"))!.Value);
        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.Equal("AWS.SimpleQueueService.NonExistentQueue", missing.Body.Descendants(InXml("Code")).Single().Value);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.Status);
        Assert.Equal("InvalidAction", unknown.Body.Descendants(InXml("Code")).Single().Value);
    }

    private static System.Xml.Linq.XName InXml(string name) => System.Xml.Linq.XName.Get(name, "http://queue.amazonaws.com/doc/2012-11-05/");

    private static async Task<(HttpStatusCode Status, System.Xml.Linq.XDocument Body)> QueryAsync(HttpClient http, string path, params (string Key, string Value)[] parameters)
    {
        using var content = new FormUrlEncodedContent([.. parameters.Select(parameter => KeyValuePair.Create(parameter.Key, parameter.Value)), KeyValuePair.Create("Version", "2012-11-05")]);
        using var response = await http.PostAsync(path.TrimStart('/'), content);
        return (response.StatusCode, System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync()));
    }
}
