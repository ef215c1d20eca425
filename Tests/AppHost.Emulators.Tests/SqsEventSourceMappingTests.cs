using System.Diagnostics;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using AppHost.Definition;
using AppHost.Emulators.EventSources;
using AppHost.Emulators.Lambda;
using AppHost.Emulators.Sqs;

namespace AppHost.Emulators.Tests;

/// <summary>
/// Lambda's SQS event source mapping, played against the local SQS (real HTTP) and the test function (a real
/// process): what is deleted, what returns, what is dead-lettered, how pollers scale, and the event's shape.
/// </summary>
public sealed class SqsEventSourceMappingTests : IAsyncLifetime
{
    private const string Region = "eu-west-1";

    private readonly List<string> _logs = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private SqsEmulator _emulator = null!;
    private AmazonSQSClient _sqs = null!;

    public async Task InitializeAsync()
    {
        _emulator = await SqsEmulator.StartAsync(new SqsOptions { Port = 0, Region = Region });
        _sqs = new AmazonSQSClient(new BasicAWSCredentials("local", "local"),
            new AmazonSQSConfig { ServiceURL = _emulator.Endpoint.ToString(), AuthenticationRegion = Region });
    }

    public async Task DisposeAsync()
    {
        _sqs.Dispose();
        _http.Dispose();
        await _emulator.DisposeAsync();
    }

    [Fact]
    public async Task ABatchReachesTheFunctionInLambdasSqsEventShapeAndIsDeletedWhenItSucceeds()
    {
        var (queueUrl, queueArn) = await CreateQueueAsync("shape");
        await _sqs.SendMessageAsync(new SendMessageRequest
        {
            QueueUrl = queueUrl,
            MessageBody = """{"n":1}""",
            MessageAttributes = new() { ["tenant"] = new Amazon.SQS.Model.MessageAttributeValue { DataType = "String", StringValue = "blue" } },
        });
        await using var function = Function();
        await using var mapping = Mapping(new QueueEventSourceDefinition("shape"), queueUrl, queueArn, function);

        mapping.Start();

        Assert.True(await UntilAsync(() => EventsLogged().Count == 1));
        var record = EventsLogged()[0]["Records"]!.AsArray().Single()!;
        Assert.Equal("aws:sqs", (string?)record["eventSource"]);
        Assert.Equal(queueArn, (string?)record["eventSourceARN"]);
        Assert.Equal(Region, (string?)record["awsRegion"]);
        Assert.Equal("""{"n":1}""", (string?)record["body"]);
        Assert.Equal(MessageDigests.Body("""{"n":1}"""), (string?)record["md5OfBody"]);
        Assert.False(string.IsNullOrEmpty((string?)record["receiptHandle"]));
        Assert.Equal("1", (string?)record["attributes"]!["ApproximateReceiveCount"]);
        Assert.NotNull(record["attributes"]!["SentTimestamp"]);
        Assert.Equal("blue", (string?)record["messageAttributes"]!["tenant"]!["stringValue"]);
        Assert.Equal("String", (string?)record["messageAttributes"]!["tenant"]!["dataType"]);
        Assert.NotNull(record["md5OfMessageAttributes"]);
        Assert.True(await UntilAsync(async () => await MessagesLeftAsync(queueUrl) == 0));
    }

    [Fact]
    public async Task OnlyReportedMessagesReturnAndTheQueueDeadLettersThemAfterMaxReceiveCount()
    {
        var (deadLettersUrl, deadLettersArn) = await CreateQueueAsync("reported-dlq");
        var (queueUrl, queueArn) = await CreateQueueAsync("reported", new()
        {
            ["VisibilityTimeout"] = "1",
            ["RedrivePolicy"] = $$"""{"deadLetterTargetArn":"{{deadLettersArn}}","maxReceiveCount":2}""",
        });
        await SendAsync(queueUrl, """{"fail":true}""", """{"ok":1}""", """{"ok":2}""");
        await using var function = Function();
        await using var mapping = Mapping(new QueueEventSourceDefinition("reported"), queueUrl, queueArn, function);

        mapping.Start();

        Assert.True(await UntilAsync(async () => (await ReceiveAllAsync(deadLettersUrl, peek: true)).Count == 1, TimeSpan.FromSeconds(20)));
        var deadLetter = Assert.Single(await ReceiveAllAsync(deadLettersUrl, peek: true));
        Assert.Equal("""{"fail":true}""", deadLetter.Body);
        Assert.Equal(2, DeliveriesOf("""{"fail":true}"""));
        Assert.Equal(1, DeliveriesOf("""{"ok":1}"""));
        Assert.Equal(1, DeliveriesOf("""{"ok":2}"""));
        Assert.Equal(0, await MessagesLeftAsync(queueUrl));
    }

    [Theory]
    [InlineData("""{"throw":true}""")]
    [InlineData("""{"reportUnknown":true}""")]
    public async Task AFailedInvocationOrAnUnknownIdentifierReturnsTheWholeBatch(string failing)
    {
        var (queueUrl, queueArn) = await CreateQueueAsync("whole", new() { ["VisibilityTimeout"] = "1" });
        await SendAsync(queueUrl, """{"ok":1}""", failing);
        await using var function = Function();
        await using var mapping = Mapping(new QueueEventSourceDefinition("whole"), queueUrl, queueArn, function);

        mapping.Start();

        Assert.True(await UntilAsync(() => DeliveriesOf("""{"ok":1}""") >= 2 && DeliveriesOf(failing) >= 2, TimeSpan.FromSeconds(20)));
        Assert.Contains(Logged("sqs-message "), line => line.EndsWith(" 2 " + """{"ok":1}""", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithoutReportBatchItemFailuresAReportedFailureIsIgnoredAndTheBatchDeleted()
    {
        var (queueUrl, queueArn) = await CreateQueueAsync("unreported", new() { ["VisibilityTimeout"] = "1" });
        await SendAsync(queueUrl, """{"fail":true}""", """{"ok":1}""");
        await using var function = Function();
        await using var mapping = Mapping(new QueueEventSourceDefinition("unreported", ReportBatchItemFailures: false), queueUrl, queueArn, function);

        mapping.Start();

        Assert.True(await UntilAsync(async () => DeliveriesOf("""{"fail":true}""") == 1 && await MessagesLeftAsync(queueUrl) == 0));
        await Task.Delay(1500);
        Assert.Equal(1, DeliveriesOf("""{"fail":true}"""));
    }

    [Fact]
    public async Task PollersScaleWithTheBacklogUpToTheMaximumConcurrency()
    {
        var (queueUrl, queueArn) = await CreateQueueAsync("backlog");
        await SendAsync(queueUrl, [.. Enumerable.Range(0, 30).Select(index => $$"""{"sleepMs":400,"n":{{index}}}""")]);
        await using var function = Function();
        await using var mapping = Mapping(new QueueEventSourceDefinition("backlog", BatchSize: 2, MaximumConcurrency: 3), queueUrl, queueArn, function);

        mapping.Start();
        var peakInvocations = 0;
        var peakPollers = 0;
        var clock = Stopwatch.StartNew();
        while (DeliveriesOfAny() < 30 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            peakInvocations = Math.Max(peakInvocations, function.ActiveInvocations);
            peakPollers = Math.Max(peakPollers, mapping.Pollers);
            await Task.Delay(10);
        }

        Assert.Equal(30, DeliveriesOfAny());
        Assert.Equal(3, mapping.MaxPollers);
        Assert.Equal(3, peakPollers);
        Assert.Equal(3, peakInvocations);
        Assert.True(await UntilAsync(async () => await MessagesLeftAsync(queueUrl) == 0));
    }

    [Fact]
    public async Task WhenMessagesComeFivePollersReadBatchesAtOnceAsLambdaStarts()
    {
        var (queueUrl, queueArn) = await CreateQueueAsync("starting");
        await using var function = Function();
        await using var mapping = Mapping(new QueueEventSourceDefinition("starting", BatchSize: 10, MaximumConcurrency: 8), queueUrl, queueArn, function);
        mapping.Start();
        Assert.Equal(1, mapping.Pollers);

        // One message, so no batch comes back full: only the start of processing adds pollers.
        await SendAsync(queueUrl, """{"sleepMs":200}""");

        Assert.True(await UntilAsync(() => mapping.Pollers == SqsEventSourceMapping.StartingPollers, TimeSpan.FromSeconds(10)));
        Assert.True(await UntilAsync(() => DeliveriesOfAny() == 1));
        Assert.Equal(SqsEventSourceMapping.StartingPollers, mapping.Pollers);
    }

    [Fact]
    public async Task AFifoQueueReachesTheFunctionInOrderWithinEachGroup()
    {
        var (queueUrl, queueArn) = await CreateQueueAsync("ordered", new() { ["FifoQueue"] = "true", ["ContentBasedDeduplication"] = "true" }, ".fifo");
        foreach (var index in Enumerable.Range(0, 6))
        {
            foreach (var group in new[] { "a", "b" })
            {
                await _sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = queueUrl, MessageGroupId = group, MessageBody = $$"""{"g":"{{group}}","n":{{index}}}""" });
            }
        }
        await using var function = Function();
        await using var mapping = Mapping(new QueueEventSourceDefinition("ordered", BatchSize: 1, MaximumConcurrency: 2), queueUrl, queueArn, function);

        mapping.Start();

        Assert.True(await UntilAsync(() => DeliveriesOfAny() == 12));
        foreach (var group in new[] { "a", "b" })
        {
            var order = Logged("sqs-message ").Select(line => JsonNode.Parse(line[(line.IndexOf('{', StringComparison.Ordinal))..])!)
                .Where(body => (string?)body["g"] == group).Select(body => (int)body["n"]!).ToList();
            Assert.Equal(Enumerable.Range(0, 6), order);
        }
    }

    [Fact]
    public async Task ABatchingWindowGathersMessagesSentApartIntoOneInvocation()
    {
        var (queueUrl, queueArn) = await CreateQueueAsync("window");
        await using var function = Function();
        await using var mapping = Mapping(new QueueEventSourceDefinition("window", BatchSize: 50, MaximumBatchingWindowSeconds: 2), queueUrl, queueArn, function);
        mapping.Start();

        foreach (var round in Enumerable.Range(0, 3))
        {
            await SendAsync(queueUrl, [.. Enumerable.Range(0, 5).Select(index => $$"""{"round":{{round}},"n":{{index}}}""")]);
            await Task.Delay(200);
        }

        Assert.True(await UntilAsync(() => DeliveriesOfAny() == 15));
        Assert.Equal(15, EventsLogged().Single()["Records"]!.AsArray().Count);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(20, 0)]
    [InlineData(10_001, 5)]
    public async Task ABatchSizeLambdaRefusesIsRefusedWithTheRule(int batchSize, int window)
    {
        await using var function = Function();
        var failure = Assert.Throws<ArgumentException>(() => new SqsEventSourceMapping(
            new QueueEventSourceDefinition("q", BatchSize: batchSize, MaximumBatchingWindowSeconds: window),
            "http://127.0.0.1:1/000000000000/q", "arn:aws:sqs:eu-west-1:000000000000:q", new SqsQueueClient(_http, new Uri("http://127.0.0.1:1/")), function));
        Assert.Contains("batch size", failure.Message, StringComparison.Ordinal);
    }

    private LambdaFunction Function() => new(TestFunctions.Settings() with { Region = Region }, line => { lock (_logs) { _logs.Add(line); } });

    private SqsEventSourceMapping Mapping(QueueEventSourceDefinition definition, string queueUrl, string queueArn, LambdaFunction function) =>
        new(definition, queueUrl, queueArn, new SqsQueueClient(_http, _emulator.Endpoint), function);

    private async Task<(string Url, string Arn)> CreateQueueAsync(string prefix, Dictionary<string, string>? attributes = null, string suffix = "")
    {
        var url = (await _sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}{suffix}", Attributes = attributes ?? [] })).QueueUrl;
        var arn = (await _sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = url, AttributeNames = ["QueueArn"] })).Attributes["QueueArn"];
        return (url, arn);
    }

    private async Task SendAsync(string queueUrl, params string[] bodies)
    {
        foreach (var chunk in bodies.Chunk(10))
        {
            var response = await _sqs.SendMessageBatchAsync(new SendMessageBatchRequest
            {
                QueueUrl = queueUrl,
                Entries = [.. chunk.Select((body, index) => new SendMessageBatchRequestEntry($"m{index}", body))],
            });
            Assert.Empty(response.Failed ?? []);
        }
    }

    /// <summary>Every message of the queue, received with a visibility timeout of 0 when only looking.</summary>
    private async Task<List<Message>> ReceiveAllAsync(string queueUrl, bool peek) =>
        (await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10, VisibilityTimeout = peek ? 0 : null })).Messages ?? [];

    private async Task<int> MessagesLeftAsync(string queueUrl)
    {
        var attributes = (await _sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = queueUrl, AttributeNames = ["All"] })).Attributes;
        return int.Parse(attributes["ApproximateNumberOfMessages"], System.Globalization.CultureInfo.InvariantCulture)
            + int.Parse(attributes["ApproximateNumberOfMessagesNotVisible"], System.Globalization.CultureInfo.InvariantCulture);
    }

    private List<string> Logged(string prefix)
    {
        lock (_logs)
        {
            return [.. _logs.Select(line => line.IndexOf(prefix, StringComparison.Ordinal) is var at and >= 0 ? line[at..] : null).OfType<string>()];
        }
    }

    private List<JsonNode> EventsLogged() => [.. Logged("sqs-event ").Select(line => JsonNode.Parse(line["sqs-event ".Length..])!)];

    private int DeliveriesOf(string body) => Logged("sqs-message ").Count(line => line.EndsWith(" " + body, StringComparison.Ordinal));

    private int DeliveriesOfAny() => Logged("sqs-message ").Count;

    private static Task<bool> UntilAsync(Func<bool> condition, TimeSpan? timeout = null) => UntilAsync(() => Task.FromResult(condition()), timeout);

    private static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < (timeout ?? TimeSpan.FromSeconds(15)))
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(50);
        }
        return await condition();
    }
}
