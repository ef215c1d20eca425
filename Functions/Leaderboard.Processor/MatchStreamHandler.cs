using Functions.Hosting;
using Leaderboard.Core;

namespace Leaderboard.Processor;

/// <summary>
/// Applies every newly accepted match in a stream batch. A record that cannot be applied is reported
/// in <c>batchItemFailures</c> (the rest of the batch is still applied), so Lambda retries it alone.
/// </summary>
public sealed partial class MatchStreamHandler(MatchAggregator aggregator, ILogger<MatchStreamHandler> logger)
    : ILambdaEventHandler<DynamoDbStreamEvent, PartialBatchResponse>
{
    public async Task<PartialBatchResponse> HandleAsync(DynamoDbStreamEvent lambdaEvent, LambdaContext context, CancellationToken cancellationToken)
    {
        // Source-generated JSON sets an init-only property that the event lacks to null, whatever its initialiser.
        var records = (IReadOnlyList<DynamoDbStreamRecord>?)lambdaEvent.Records
            ?? throw new InvalidDataException("The event is not a DynamoDB Streams batch: it has no Records.");
        var failures = new List<BatchItemFailure>();
        foreach (var record in records)
        {
            if (record.EventName != "INSERT" || record.Dynamodb.NewImage is not { } image)
            {
                continue;
            }
            var item = StreamImages.ToAttributeValues(image);
            if (!MatchAggregator.IsMatch(item))
            {
                continue;
            }
            try
            {
                await aggregator.ApplyAsync(MatchAggregator.ReadMatch(item), cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogRecordFailed(exception, record.Dynamodb.SequenceNumber, record.EventId);
                failures.Add(new BatchItemFailure(record.Dynamodb.SequenceNumber));
            }
        }
        return new PartialBatchResponse(failures);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not apply stream record {SequenceNumber} ({EventId}); reporting it for retry")]
    private partial void LogRecordFailed(Exception exception, string sequenceNumber, string eventId);
}
