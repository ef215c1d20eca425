using System.Text.Json;
using System.Text.Json.Serialization;
using Functions.Hosting;
using Leaderboard.Core;

namespace Leaderboard.Intake;

/// <summary>
/// Stores the match results of a batch of <c>match-intake</c> messages, each holding one result (a
/// <c>POST /matches</c> body) or a JSON array of them, with the same rules and idempotency. A message is
/// reported in <c>batchItemFailures</c> when any of its results is not stored (unreadable, invalid, unknown
/// players, a match id taken by a different result): only it returns to the queue, and after the queue's
/// <c>maxReceiveCount</c> it moves to the dead-letter queue; a data store error returns the whole batch. Results
/// already stored count once when their message comes again. The results of the whole batch are submitted
/// together: one player lookup, several stores at a time.
/// </summary>
public sealed partial class MatchIntakeHandler(MatchSubmissions submissions, ILogger<MatchIntakeHandler> logger)
    : ILambdaEventHandler<SqsEvent, PartialBatchResponse>
{
    public async Task<PartialBatchResponse> HandleAsync(SqsEvent lambdaEvent, LambdaContext context, CancellationToken cancellationToken)
    {
        // Source-generated JSON sets an init-only property that the event lacks to null, whatever its initialiser.
        var messages = (IReadOnlyList<SqsMessage>?)lambdaEvent.Records
            ?? throw new InvalidDataException("The event is not an SQS batch: it has no Records.");
        var failed = new bool[messages.Count];
        // Every result of the batch is submitted at once (one player lookup); each remembers its message.
        var requests = new List<(int Message, SubmitMatchRequest Request)>();
        for (var index = 0; index < messages.Count; index++)
        {
            if (Read(messages[index].Body) is { } read)
            {
                requests.AddRange(read.Select(request => (index, request)));
            }
            else
            {
                LogRejected(messages[index].MessageId, messages[index].ReceiveCount, "the body is neither a match result nor an array of them");
                failed[index] = true;
            }
        }
        IReadOnlyList<MatchSubmissionOutcome> outcomes;
        try
        {
            outcomes = await submissions.SubmitManyAsync([.. requests.Select(entry => entry.Request)], cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogBatchFailed(exception, messages.Count);
            return new PartialBatchResponse([.. messages.Select(message => new BatchItemFailure(message.MessageId))]);
        }
        for (var entry = 0; entry < requests.Count; entry++)
        {
            var rejection = outcomes[entry] switch
            {
                MatchSubmissionOutcome.Invalid invalid => "invalid: " + string.Join("; ", invalid.Errors.Select(error => $"{error.Key}: {string.Join(" ", error.Value)}")),
                MatchSubmissionOutcome.UnknownPlayers unknown => $"unknown players {string.Join(", ", unknown.PlayerIds)}",
                MatchSubmissionOutcome.Conflict conflict => $"match '{conflict.MatchId}' was already submitted with a different body",
                _ => null,
            };
            if (rejection is not null)
            {
                var message = messages[requests[entry].Message];
                LogRejected(message.MessageId, message.ReceiveCount, rejection);
                failed[requests[entry].Message] = true;
            }
        }
        return new PartialBatchResponse([.. messages.Where((_, index) => failed[index]).Select(message => new BatchItemFailure(message.MessageId))]);
    }

    private static List<SubmitMatchRequest>? Read(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind switch
            {
                JsonValueKind.Object => [document.RootElement.Deserialize(IntakeJsonContext.Default.SubmitMatchRequest)!],
                JsonValueKind.Array => document.RootElement.Deserialize(IntakeJsonContext.Default.ListSubmitMatchRequest) is { } list && list.All(item => item is not null) ? list : null,
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store the batch's {Count} messages; reporting them all for retry")]
    private partial void LogBatchFailed(Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected message {MessageId} (receive {ReceiveCount}): {Reason}; reporting it for retry")]
    private partial void LogRejected(string messageId, int receiveCount, string reason);
}

/// <summary>The match results of intake messages, read as <c>POST /matches</c> reads its body (camelCase, web defaults).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SubmitMatchRequest))]
[JsonSerializable(typeof(List<SubmitMatchRequest>))]
internal sealed partial class IntakeJsonContext : JsonSerializerContext;
