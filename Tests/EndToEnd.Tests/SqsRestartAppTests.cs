using AppHost.Definition;
using AppHost.Emulators.EventSources;
using AppHost.Hosting;

namespace EndToEnd.Tests;

/// <summary>The AppHost's local SQS keeps its queues under the state directory: a dead letter is still there after a restart.</summary>
[Collection(nameof(TelemetryAndLifecycleTests))]
public sealed class SqsRestartAppTests
{
    [Fact]
    public async Task ADeadLetterLeftInItsQueueIsThereAfterTheAppHostRestarts()
    {
        var stateDirectory = Directory.CreateTempSubdirectory("sqs-restart-");
        var deadLetterQueue = LeaderboardApp.MatchIntakeQueue.DeadLetterQueueName!;
        const string Body = """{"kept":true}""";
        string[] args = ["--Sqs:InMemory=false", $"--StateDirectory={stateDirectory.FullName}"];
        try
        {
            string messageId;
            await using (var app = await LocalCloudTestApp.StartAsync(args))
            {
                var sqs = app.Resource<SqsEmulatorResource>(LeaderboardApp.Names.Sqs);
                using var http = new HttpClient();
                var client = new SqsQueueClient(http, new Uri(sqs.Endpoint));
                var url = sqs.Emulator!.Store.Find(deadLetterQueue)!.Url.ToString();
                messageId = await client.SendAsync(url, Body, CancellationToken.None);
            }
            Assert.True(File.Exists(Path.Combine(stateDirectory.FullName, "sqs", "queues.jsonl")));

            await using (var app = await LocalCloudTestApp.StartAsync(args))
            {
                var sqs = app.Resource<SqsEmulatorResource>(LeaderboardApp.Names.Sqs);
                var queue = sqs.Emulator!.Store.Find(deadLetterQueue)!;
                using var http = new HttpClient();
                var received = await new SqsQueueClient(http, new Uri(sqs.Endpoint)).ReceiveAsync(queue.Url.ToString(), 10, 0, CancellationToken.None);

                Assert.Equal(messageId, Assert.Single(received)["MessageId"]!.GetValue<string>());
                Assert.Equal(Body, received[0]["Body"]!.GetValue<string>());
            }
        }
        finally
        {
            stateDirectory.Delete(recursive: true);
        }
    }
}
