using Functions.Hosting;
using Leaderboard.Core;

namespace Leaderboard.Processor;

/// <summary>
/// Applies every newly accepted match in a stream batch. Matches that share no player's totals are
/// applied together (<see cref="MatchAggregator.ApplyTogetherAsync"/>: one read, transactions of many
/// matches), and those that could not be, concurrently one by one; a player's matches are applied in
/// stream order. A record that cannot be
/// applied is reported in <c>batchItemFailures</c> (the rest of the batch is still applied), so
/// Lambda retries from it; applying is idempotent, so what is delivered again is counted once.
/// </summary>
public sealed partial class MatchStreamHandler(MatchAggregator aggregator, ILogger<MatchStreamHandler> logger)
    : ILambdaEventHandler<DynamoDbStreamEvent, PartialBatchResponse>
{
    private const int MaxConcurrentMatches = 8;

    public async Task<PartialBatchResponse> HandleAsync(DynamoDbStreamEvent lambdaEvent, LambdaContext context, CancellationToken cancellationToken)
    {
        // Source-generated JSON sets an init-only property that the event lacks to null, whatever its initialiser.
        var records = (IReadOnlyList<DynamoDbStreamRecord>?)lambdaEvent.Records
            ?? throw new InvalidDataException("The event is not a DynamoDB Streams batch: it has no Records.");
        // One flag per record of the batch; the failed ones are reported in the batch's order.
        var failed = new bool[records.Count];
        var accepted = new List<(int Index, Match Match)>();
        for (var index = 0; index < records.Count; index++)
        {
            var record = records[index];
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
                accepted.Add((index, MatchAggregator.ReadMatch(item)));
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogRecordFailed(exception, record.Dynamodb.SequenceNumber, record.EventId);
                failed[index] = true;
            }
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentMatches, CancellationToken = cancellationToken };
        foreach (var wave in MatchAggregator.Waves(accepted.Select(entry => entry.Match).ToList()))
        {
            var appliedTogether = await aggregator.ApplyTogetherAsync([.. wave.Select(position => accepted[position].Match)], cancellationToken);
            await Parallel.ForEachAsync(wave.Where(position => !appliedTogether.Contains(accepted[position].Match)), options, async (position, token) =>
            {
                var (index, match) = accepted[position];
                try
                {
                    await aggregator.ApplyAsync(match, token);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogRecordFailed(exception, records[index].Dynamodb.SequenceNumber, records[index].EventId);
                    failed[index] = true;
                }
            });
        }
        return new PartialBatchResponse([.. records.Where((_, index) => failed[index]).Select(record => new BatchItemFailure(record.Dynamodb.SequenceNumber))]);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not apply stream record {SequenceNumber} ({EventId}); reporting it for retry")]
    private partial void LogRecordFailed(Exception exception, string sequenceNumber, string eventId);
}
