using System.Text.Json.Nodes;
using AppHost.Definition;
using Leaderboard.Cdk;

namespace Cdk.Tests;

/// <summary>The app's SQS queues on AWS: encrypted, TLS only, dead-lettered, alarmed, consumed with least privilege and sent to through a policy of their own.</summary>
public sealed class QueueTests(LeaderboardStackFixture fixture) : IClassFixture<LeaderboardStackFixture>
{
    private static readonly QueueDefinition Intake = LeaderboardApp.MatchIntakeQueue;

    private readonly Synthesis synthesized = fixture.Synthesized;

    [Fact]
    public void AQueueAndItsDeadLetterQueueAreEncryptedAndRefuseRequestsWithoutTls()
    {
        var deployed = synthesized.Stack.Queues[Intake.Name];
        foreach (var queue in new[] { deployed.Queue, deployed.DeadLetterQueue! })
        {
            var id = synthesized.LogicalId(queue);
            Assert.True((bool?)synthesized.Properties(id)["SqsManagedSseEnabled"]);
            var denial = synthesized.Resources("AWS::SQS::QueuePolicy").Values
                .Where(policy => policy["Properties"]!["Queues"]!.AsArray().Any(queueOfPolicy => Intrinsics.Ref(queueOfPolicy) == id))
                .SelectMany(policy => policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray())
                .Single(statement => (string?)statement!["Effect"] == "Deny");
            Assert.Equal("false", (string?)denial!["Condition"]!["Bool"]!["aws:SecureTransport"]);
        }
        Assert.Equal(14 * 24 * 3600, (int?)synthesized.Properties(synthesized.LogicalId(deployed.DeadLetterQueue!))["MessageRetentionPeriod"]);
    }

    [Fact]
    public void TheConsumerMayReceiveAndDeleteButNotSend()
    {
        var queue = synthesized.LogicalId(synthesized.Stack.Queues[Intake.Name].Queue);
        var consumer = LeaderboardApp.Definition.Functions.Single(function => function.Queues.Any(source => source.Queue == Intake.Name));
        var role = Intrinsics.GetAtt(synthesized.Properties(synthesized.LogicalId(synthesized.Stack.Functions[consumer.Name]))["Role"], "Arn");

        var actions = StatementsOnQueue(queue).Where(statement => statement.Role == role).SelectMany(statement => Intrinsics.Strings(statement.Statement["Action"])).ToHashSet();

        Assert.Superset(new HashSet<string> { "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes" }, actions);
        Assert.DoesNotContain("sqs:SendMessage", actions);
        // No other function's role may touch the queue.
        Assert.All(StatementsOnQueue(queue), statement => Assert.Equal(role, statement.Role));
    }

    [Fact]
    public void TheSendersPolicyMayOnlyFindReadAndSendToItsQueue()
    {
        var deployed = synthesized.Stack.Queues[Intake.Name];
        var policy = synthesized.Properties(synthesized.LogicalId(deployed.Senders));

        var statement = Assert.Single(policy["PolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal("Allow", (string?)statement["Effect"]);
        Assert.Equal(LeaderboardStack.QueueSenderActions.Order(StringComparer.Ordinal), Intrinsics.Strings(statement["Action"]).Order(StringComparer.Ordinal));
        Assert.Equal(synthesized.LogicalId(deployed.Queue), Intrinsics.GetAtt(statement["Resource"], "Arn"));
        Assert.Null(policy["Roles"]);
    }

    [Fact]
    public void AlarmsGoOffOnTheFirstDeadLetterAndOnAMessageWaitingFiveMinutes()
    {
        var deployed = synthesized.Stack.Queues[Intake.Name];
        var alarms = synthesized.Resources("AWS::CloudWatch::Alarm").Values.Select(alarm => alarm["Properties"]!).ToList();
        JsonNode AlarmOn(Amazon.CDK.AWS.SQS.Queue queue, string metric) => Assert.Single(alarms, alarm =>
            (string?)alarm["MetricName"] == metric
            && alarm["Dimensions"]!.AsArray().Any(dimension => Intrinsics.GetAtt(dimension!["Value"], "QueueName") == synthesized.LogicalId(queue)));

        var deadLetters = AlarmOn(deployed.DeadLetterQueue!, "ApproximateNumberOfMessagesVisible");
        Assert.Equal(1, (double?)deadLetters["Threshold"]);
        Assert.Equal(60, (int?)deadLetters["Period"]);
        Assert.Equal("notBreaching", (string?)deadLetters["TreatMissingData"]);

        var age = AlarmOn(deployed.Queue, "ApproximateAgeOfOldestMessage");
        Assert.Equal(LeaderboardStack.OldestMessageAgeAlarm.TotalSeconds, (double?)age["Threshold"]);
        Assert.Equal(5, (int?)age["EvaluationPeriods"]);
    }

    [Fact]
    public void TheOutputsNameTheQueueItsDeadLetterQueueAndTheSendersPolicy()
    {
        var outputs = synthesized.Json["Outputs"]!.AsObject().Select(output => (string?)output.Value!["Description"]).ToList();

        Assert.Contains($"The URL of the queue '{Intake.Name}'.", outputs);
        Assert.Contains($"The ARN of the queue '{Intake.Name}'.", outputs);
        Assert.Contains($"The URL of the dead-letter queue of '{Intake.Name}'.", outputs);
        Assert.Contains($"The managed policy to attach to whoever sends to '{Intake.Name}'.", outputs);
    }

    [Fact]
    public void AFifoQueueAndItsDeadLetterQueueAreFifoWithContentBasedDeduplication()
    {
        var fifo = new QueueDefinition("match-intake.fifo", VisibilityTimeoutSeconds: 60, MaxReceiveCount: 5);
        var consumer = LeaderboardApp.Intake with { Queues = [new QueueEventSourceDefinition(fifo.Name, BatchSize: 10)] };
        using var synthesis = Synthesis.Create(LeaderboardApp.Definition with
        {
            Queues = [fifo],
            Functions = [.. LeaderboardApp.Definition.Functions.Where(function => function.Name != consumer.Name), consumer],
        });

        var deployed = synthesis.Stack.Queues[fifo.Name];
        var queue = synthesis.Properties(synthesis.LogicalId(deployed.Queue));
        Assert.True((bool?)queue["FifoQueue"]);
        Assert.True((bool?)queue["ContentBasedDeduplication"]);
        Assert.Equal(5, (int?)queue["RedrivePolicy"]!["maxReceiveCount"]);
        Assert.True((bool?)synthesis.Properties(synthesis.LogicalId(deployed.DeadLetterQueue!))["FifoQueue"]);
    }

    [Theory]
    [InlineData(5, 10, 0, null, "whose visibility timeout (5 s) is shorter than the function's timeout (10 s)")]
    [InlineData(60, 0, 0, null, "reads batches of 0 from 'match-intake'; Lambda allows 1 to 10000")]
    [InlineData(60, 20_000, 1, null, "reads batches of 20000 from 'match-intake'; Lambda allows 1 to 10000")]
    [InlineData(60, 100, 0, null, "without a batching window; Lambda needs a window of at least 1 s for batches over 10")]
    [InlineData(60, 10, 301, null, "gathers a batch for 301 s; Lambda allows 0 to 300 s")]
    [InlineData(60, 10, 0, 1, "has a maximum concurrency of 1; Lambda allows 2 to 1000")]
    public void AQueueEventSourceLambdaWouldRefuseIsRefusedNamingItsSetting(int visibilitySeconds, int batchSize, int windowSeconds, int? maximumConcurrency, string expected)
    {
        var queue = Intake with { VisibilityTimeoutSeconds = visibilitySeconds };
        var consumer = LeaderboardApp.Intake with
        {
            Queues = [new QueueEventSourceDefinition(queue.Name, batchSize, windowSeconds, maximumConcurrency)],
        };

        var failure = Assert.ThrowsAny<Exception>(() => Synthesis.Create(WithConsumer(queue, consumer)));

        Assert.Contains($"The queue event source of '{consumer.Name}'", failure.Message, StringComparison.Ordinal);
        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AQueueEventSourceOfAnUndeclaredQueueIsRefused()
    {
        var consumer = LeaderboardApp.Intake with { Queues = [new QueueEventSourceDefinition("ghost-queue")] };

        var failure = Assert.Throws<InvalidOperationException>(() => Synthesis.Create(WithConsumer(Intake, consumer)));

        Assert.Contains($"The queue event source of '{consumer.Name}' reads queue 'ghost-queue', which the definition does not declare", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AQueueDeclaredTwiceIsRefused()
    {
        var failure = Assert.Throws<InvalidOperationException>(() => Synthesis.Create(LeaderboardApp.Definition with { Queues = [Intake, Intake with { VisibilityTimeoutSeconds = 90 }] }));

        Assert.Contains($"Queue '{Intake.Name}' is declared twice", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(43_201, 345_600, 3, "visibility timeout of 43201 s; SQS allows 0 to 43200 s")]
    [InlineData(60, 59, 3, "keeps messages 59 s; SQS allows 60 s to 1209600 s")]
    [InlineData(60, 345_600, 0, "after 0 receives; SQS allows 1 to 1000")]
    public void AQueueSqsWouldRefuseIsRefusedNamingItsSetting(int visibilitySeconds, int retentionSeconds, int maxReceiveCount, string expected)
    {
        var queue = Intake with { VisibilityTimeoutSeconds = visibilitySeconds, MessageRetentionSeconds = retentionSeconds, MaxReceiveCount = maxReceiveCount };

        var failure = Assert.Throws<ArgumentException>(() => Synthesis.Create(LeaderboardApp.Definition with { Queues = [queue] }));

        Assert.Contains($"Queue '{Intake.Name}'", failure.Message, StringComparison.Ordinal);
        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
    }

    private static AppDefinition WithConsumer(QueueDefinition queue, FunctionDefinition consumer) => LeaderboardApp.Definition with
    {
        Queues = [queue],
        Functions = [.. LeaderboardApp.Definition.Functions.Select(function => function.Name == consumer.Name ? consumer : function)],
    };

    /// <summary>The policy statements of the functions' roles whose resource is this queue, with the role.</summary>
    private IEnumerable<(string Role, JsonObject Statement)> StatementsOnQueue(string queue) =>
        from policy in synthesized.Resources("AWS::IAM::Policy").Values
        from role in policy["Properties"]!["Roles"]!.AsArray()
        from statement in policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray()
        where Intrinsics.GetAtt(statement!["Resource"], "Arn") == queue
        select (Intrinsics.Ref(role)!, statement!.AsObject());
}
