using System.Diagnostics;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using AppHost.Emulators.Sqs;

namespace PlatformBench;

/// <summary>
/// The SQS emulator alone, through the AWS SDK: producers send messages one at a time while consumers
/// receive up to 10 at a time and delete what they received in one batch call. A message counts once it
/// is deleted (sent, received and deleted, as ElasticMQ's published figure counts them).
/// </summary>
internal static class SqsThroughput
{
    /// <summary>
    /// Runs the emulator in this process until SIGTERM or Ctrl+C, on <c>--port</c>: in memory, or with
    /// <c>--data-dir</c> on disk (<c>--flush-to-disk</c>: waiting for the disk on every change).
    /// </summary>
    public static async Task<int> ServeAsync(Options options)
    {
        await using var emulator = await SqsEmulator.StartAsync(new SqsOptions
        {
            Port = options.Int("port", 9324),
            DataDirectory = options.Get("data-dir", "") is { Length: > 0 } directory ? directory : null,
            FlushToDisk = options.Get("flush-to-disk", "false") == "true",
        });
        Console.WriteLine($"sqs-serve: listening on {emulator.Endpoint}");
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, press) =>
        {
            press.Cancel = true;
            stop.Cancel();
        };
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            stop.Cancel();
        });
        await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        return 0;
    }

    public static async Task<int> RunAsync(Options options)
    {
        var endpoint = options.Get("endpoint");
        var producers = options.Int("producers", 4);
        var consumers = options.Int("consumers", 4);
        var duration = TimeSpan.FromSeconds(options.Double("duration", 20));
        var warmup = TimeSpan.FromSeconds(options.Double("warmup", 3));
        using var sqs = new AmazonSQSClient(new BasicAWSCredentials("local", "local"),
            new AmazonSQSConfig { ServiceURL = endpoint, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
        var queueUrl = (await sqs.CreateQueueAsync($"throughput-{Guid.NewGuid():N}")).QueueUrl;
        var body = new string('m', 100);

        long deleted = 0;
        var counting = false;
        using var stop = new CancellationTokenSource(warmup + duration);
        var produce = Enumerable.Range(0, producers).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await sqs.SendMessageAsync(queueUrl, body);
            }
        }));
        var consume = Enumerable.Range(0, consumers).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 });
                if (received.Messages is not { Count: > 0 } messages)
                {
                    continue;
                }
                await sqs.DeleteMessageBatchAsync(queueUrl, [.. messages.Select((message, index) => new DeleteMessageBatchRequestEntry($"{index}", message.ReceiptHandle))]);
                if (Volatile.Read(ref counting))
                {
                    Interlocked.Add(ref deleted, messages.Count);
                }
            }
        }));
        var all = Task.WhenAll(produce.Concat(consume));
        await Task.Delay(warmup);
        Volatile.Write(ref counting, true);
        var clock = Stopwatch.StartNew();
        await Task.Delay(duration);
        var elapsed = clock.Elapsed;
        var count = Interlocked.Read(ref deleted);
        await all;
        await sqs.DeleteQueueAsync(queueUrl);

        var perSecond = count / elapsed.TotalSeconds;
        Console.WriteLine($"sqs: {perSecond:0} messages/s sent, received and deleted ({producers} producers, {consumers} consumers, {elapsed.TotalSeconds:0.0} s)");
        var output = new JsonObject
        {
            ["messagesPerSecond"] = perSecond,
            ["messages"] = count,
            ["seconds"] = elapsed.TotalSeconds,
            ["producers"] = producers,
            ["consumers"] = consumers,
        };
        await File.WriteAllTextAsync(options.Get("out"), output.ToJsonString());
        return 0;
    }
}
