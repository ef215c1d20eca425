using System.Text.Json.Nodes;

namespace AppHost.Emulators.EventSources;

/// <summary>Where an event source mapping sends the on-failure record of a batch that exhausted its retries.</summary>
public interface IFailureDestination
{
    /// <summary>The destination's ARN, for logs.</summary>
    string Arn { get; }

    Task SendAsync(JsonObject record, CancellationToken cancellationToken);
}

/// <summary>An SQS queue as the on-failure destination (Lambda's <c>OnFailure</c> with an SQS queue): each record is one message.</summary>
public sealed class QueueFailureDestination(SqsQueueClient sqs, string queueUrl, string queueArn) : IFailureDestination
{
    public string Arn { get; } = queueArn;

    public Task SendAsync(JsonObject record, CancellationToken cancellationToken) => sqs.SendAsync(queueUrl, record.ToJsonString(), cancellationToken);
}
