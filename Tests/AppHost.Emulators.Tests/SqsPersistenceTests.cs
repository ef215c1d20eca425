using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using AppHost.Emulators.Sqs;

namespace AppHost.Emulators.Tests;

/// <summary>Queues on disk: what a stopped (or killed) emulator had is there when one starts on the same folder, on another port.</summary>
public sealed class SqsPersistenceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sqs-journal-").FullName;
    private readonly AdjustableClock _clock = new();

    private string JournalPath => Path.Combine(_directory, DiskQueueStore.JournalFileName);

    [Fact]
    public async Task MessagesComeBackWithTheirBodiesAttributesAndIdsAndDeletedOnesStayDeleted()
    {
        string kept, deleted;
        await using (var first = await StartAsync())
        {
            var url = (await first.Sqs.CreateQueueAsync("orders")).QueueUrl;
            await first.Sqs.TagQueueAsync(new TagQueueRequest { QueueUrl = url, Tags = new() { ["team"] = "games" } });
            kept = (await first.Sqs.SendMessageAsync(new SendMessageRequest
            {
                QueueUrl = url,
                MessageBody = "keep me",
                MessageAttributes = new() { ["kind"] = new Amazon.SQS.Model.MessageAttributeValue { DataType = "String", StringValue = "match" } },
            })).MessageId;
            deleted = (await first.Sqs.SendMessageAsync(url, "delete me")).MessageId;
            var received = await first.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10 });
            await first.Sqs.DeleteMessageAsync(url, received.Messages.Single(message => message.MessageId == deleted).ReceiptHandle);
            await first.Sqs.ChangeMessageVisibilityAsync(url, received.Messages.Single(message => message.MessageId == kept).ReceiptHandle, 0);
        }

        await using var second = await StartAsync();
        var queueUrl = (await second.Sqs.GetQueueUrlAsync("orders")).QueueUrl;
        Assert.StartsWith(second.Emulator.Endpoint.ToString(), queueUrl, StringComparison.Ordinal);
        var again = await second.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = queueUrl, MaxNumberOfMessages = 10, MessageAttributeNames = ["All"], MessageSystemAttributeNames = ["All"],
        });
        var message = Assert.Single(again.Messages);
        Assert.Equal(kept, message.MessageId);
        Assert.Equal("keep me", message.Body);
        Assert.Equal("match", message.MessageAttributes["kind"].StringValue);
        Assert.Equal("2", message.Attributes["ApproximateReceiveCount"]);
        Assert.Equal("games", (await second.Sqs.ListQueueTagsAsync(new ListQueueTagsRequest { QueueUrl = queueUrl })).Tags["team"]);
    }

    [Fact]
    public async Task AMessageInFlightWhenTheEmulatorStoppedReturnsAfterItsVisibilityTimeout()
    {
        await using (var first = await StartAsync())
        {
            var url = (await first.Sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = "in-flight", Attributes = new() { ["VisibilityTimeout"] = "30" } })).QueueUrl;
            await first.Sqs.SendMessageAsync(url, "held");
            Assert.Single((await first.Sqs.ReceiveMessageAsync(url)).Messages);
        }

        await using var second = await StartAsync();
        var queueUrl = (await second.Sqs.GetQueueUrlAsync("in-flight")).QueueUrl;
        Assert.Empty((await second.Sqs.ReceiveMessageAsync(queueUrl)).Messages ?? []);
        _clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal("held", Assert.Single((await second.Sqs.ReceiveMessageAsync(queueUrl)).Messages).Body);
    }

    [Fact]
    public async Task APurgeAndADeletedQueueStaySo()
    {
        await using (var first = await StartAsync())
        {
            var purged = (await first.Sqs.CreateQueueAsync("purged")).QueueUrl;
            await first.Sqs.SendMessageAsync(purged, "gone");
            await first.Sqs.PurgeQueueAsync(purged);
            var dropped = (await first.Sqs.CreateQueueAsync("dropped")).QueueUrl;
            await first.Sqs.SendMessageAsync(dropped, "gone too");
            await first.Sqs.DeleteQueueAsync(dropped);
        }

        await using var second = await StartAsync();
        var queueUrl = (await second.Sqs.GetQueueUrlAsync("purged")).QueueUrl;
        Assert.Empty((await second.Sqs.ReceiveMessageAsync(queueUrl)).Messages ?? []);
        await Assert.ThrowsAsync<QueueDoesNotExistException>(() => second.Sqs.GetQueueUrlAsync("dropped"));
    }

    [Fact]
    public async Task AFifoQueueKeepsItsOrderAndItsDeduplicationWindow()
    {
        string firstId;
        await using (var first = await StartAsync())
        {
            var url = (await first.Sqs.CreateQueueAsync(new CreateQueueRequest
            {
                QueueName = "ordered.fifo",
                Attributes = new() { ["FifoQueue"] = "true", ["ContentBasedDeduplication"] = "true" },
            })).QueueUrl;
            firstId = (await first.Sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = url, MessageBody = "one", MessageGroupId = "g" })).MessageId;
            await first.Sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = url, MessageBody = "two", MessageGroupId = "g" });
        }

        await using var second = await StartAsync();
        var queueUrl = (await second.Sqs.GetQueueUrlAsync("ordered.fifo")).QueueUrl;
        var duplicate = await second.Sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = queueUrl, MessageBody = "one", MessageGroupId = "g" });
        Assert.Equal(firstId, duplicate.MessageId);
        var third = await second.Sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = queueUrl, MessageBody = "three", MessageGroupId = "g" });
        var received = await second.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10, MessageSystemAttributeNames = ["All"] });
        Assert.Equal(["one", "two", "three"], received.Messages.Select(message => message.Body));
        Assert.Equal(third.SequenceNumber, received.Messages[^1].Attributes["SequenceNumber"]);
        Assert.True(string.CompareOrdinal(received.Messages[1].Attributes["SequenceNumber"], third.SequenceNumber) < 0);
    }

    [Fact]
    public async Task ReceiveCountsSurviveSoTheRedriveHappensAtMaxReceiveCount()
    {
        await using (var first = await StartAsync())
        {
            var deadLetters = (await first.Sqs.CreateQueueAsync("work-dlq")).QueueUrl;
            var arn = (await first.Sqs.GetQueueAttributesAsync(deadLetters, ["QueueArn"])).QueueARN;
            var url = (await first.Sqs.CreateQueueAsync(new CreateQueueRequest
            {
                QueueName = "work",
                Attributes = new() { ["VisibilityTimeout"] = "0", ["RedrivePolicy"] = $$"""{"deadLetterTargetArn":"{{arn}}","maxReceiveCount":"2"}""" },
            })).QueueUrl;
            await first.Sqs.SendMessageAsync(url, "poison");
            Assert.Single((await first.Sqs.ReceiveMessageAsync(url)).Messages);
            Assert.Single((await first.Sqs.ReceiveMessageAsync(url)).Messages);
        }

        await using var second = await StartAsync();
        var workUrl = (await second.Sqs.GetQueueUrlAsync("work")).QueueUrl;
        Assert.Empty((await second.Sqs.ReceiveMessageAsync(workUrl)).Messages ?? []);
        var deadLetterUrl = (await second.Sqs.GetQueueUrlAsync("work-dlq")).QueueUrl;
        Assert.Equal("poison", Assert.Single((await second.Sqs.ReceiveMessageAsync(deadLetterUrl)).Messages).Body);
    }

    [Fact]
    public async Task AKillInTheMiddleOfAMoveToTheDeadLetterQueueLosesNoMessage()
    {
        await using (var first = await StartAsync())
        {
            var deadLetters = (await first.Sqs.CreateQueueAsync("moved-dlq")).QueueUrl;
            var arn = (await first.Sqs.GetQueueAttributesAsync(deadLetters, ["QueueArn"])).QueueARN;
            var url = (await first.Sqs.CreateQueueAsync(new CreateQueueRequest
            {
                QueueName = "moved",
                Attributes = new() { ["VisibilityTimeout"] = "0", ["RedrivePolicy"] = $$"""{"deadLetterTargetArn":"{{arn}}","maxReceiveCount":"1"}""" },
            })).QueueUrl;
            await first.Sqs.SendMessageAsync(url, "poison");
            Assert.Single((await first.Sqs.ReceiveMessageAsync(url)).Messages);
            // This receive moves it.
            Assert.Empty((await first.Sqs.ReceiveMessageAsync(url)).Messages ?? []);
        }
        // The process killed after the dead-letter queue's line, before the source's removal.
        var lines = File.ReadAllLines(JournalPath).ToList();
        var removal = lines.FindLastIndex(line => line.Contains("\"op\":\"remove\",\"queue\":\"moved\"", StringComparison.Ordinal));
        Assert.True(removal > 0, string.Join(Environment.NewLine, lines));
        Assert.Contains("\"queue\":\"moved-dlq\"", lines[removal - 1], StringComparison.Ordinal);
        await File.WriteAllLinesAsync(JournalPath, lines.Take(removal));

        await using var second = await StartAsync();
        var deadLetterUrl = (await second.Sqs.GetQueueUrlAsync("moved-dlq")).QueueUrl;
        Assert.Equal("poison", Assert.Single((await second.Sqs.ReceiveMessageAsync(deadLetterUrl)).Messages).Body);
    }

    [Fact]
    public async Task TheJournalIsRewrittenAsTheLiveStateAtStartAndWhenItOutgrowsItsLimit()
    {
        await using (var first = await StartAsync(compactAtBytes: 20_000))
        {
            var url = (await first.Sqs.CreateQueueAsync("churn")).QueueUrl;
            for (var round = 0; round < 60; round++)
            {
                await first.Sqs.SendMessageAsync(url, new string('x', 200));
                var received = await first.Sqs.ReceiveMessageAsync(url);
                await first.Sqs.DeleteMessageAsync(url, received.Messages[0].ReceiptHandle);
            }
            await first.Sqs.SendMessageAsync(url, "last");
            // 60 rounds of three entries of 400 bytes and more are far over the limit; it was rewritten on the way.
            Assert.True(await Polling(() => new FileInfo(JournalPath).Length < 20_000), $"{new FileInfo(JournalPath).Length} bytes");
        }

        await using var second = await StartAsync();
        // At start: the queue's settings and its one message.
        Assert.Equal(2, File.ReadAllLines(JournalPath).Length);
        var queueUrl = (await second.Sqs.GetQueueUrlAsync("churn")).QueueUrl;
        Assert.Equal("last", Assert.Single((await second.Sqs.ReceiveMessageAsync(queueUrl)).Messages).Body);
    }

    [Fact]
    public async Task ALastLineCutShortByAKillIsLeftOutAndADamagedOneElseStopsTheStartNamingIt()
    {
        await using (var first = await StartAsync())
        {
            var url = (await first.Sqs.CreateQueueAsync("torn")).QueueUrl;
            await first.Sqs.SendMessageAsync(url, "whole");
        }
        await File.AppendAllTextAsync(JournalPath, """{"op":"put","queue":"torn","message":{"id":"cut""");

        var log = new List<string>();
        await using (var second = await StartAsync(log: log.Add))
        {
            var queueUrl = (await second.Sqs.GetQueueUrlAsync("torn")).QueueUrl;
            Assert.Equal("whole", Assert.Single((await second.Sqs.ReceiveMessageAsync(queueUrl)).Messages).Body);
            Assert.Contains(log, line => line.Contains("line 3, the last, is incomplete", StringComparison.Ordinal));
        }

        var lines = File.ReadAllLines(JournalPath).ToList();
        lines.Insert(1, "not json");
        await File.WriteAllLinesAsync(JournalPath, lines);
        var failure = await Assert.ThrowsAsync<InvalidDataException>(() => StartAsync());
        Assert.Contains($"{JournalPath}: line 2 of {lines.Count}", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InMemoryWritesNothing()
    {
        await using var emulator = await SqsEmulator.StartAsync(new SqsOptions { Port = 0 });
        using var sqs = ClientOf(emulator);
        await sqs.SendMessageAsync((await sqs.CreateQueueAsync("memory")).QueueUrl, "nowhere");

        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<RunningEmulator> StartAsync(long compactAtBytes = 64 * 1024 * 1024, Action<string>? log = null)
    {
        var emulator = await SqsEmulator.StartAsync(new SqsOptions
        {
            Port = 0, Time = _clock, DataDirectory = _directory, CompactJournalAtBytes = compactAtBytes, Log = log,
        });
        return new RunningEmulator(emulator, ClientOf(emulator));
    }

    private static AmazonSQSClient ClientOf(SqsEmulator emulator) => new(new BasicAWSCredentials("local", "local"),
        new AmazonSQSConfig { ServiceURL = emulator.Endpoint.ToString(), AuthenticationRegion = "us-east-1" });

    private static async Task<bool> Polling(Func<bool> condition)
    {
        for (var attempt = 0; attempt < 100 && !condition(); attempt++)
        {
            await Task.Delay(50);
        }
        return condition();
    }

    private sealed record RunningEmulator(SqsEmulator Emulator, AmazonSQSClient Sqs) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Sqs.Dispose();
            await Emulator.DisposeAsync();
        }
    }
}
