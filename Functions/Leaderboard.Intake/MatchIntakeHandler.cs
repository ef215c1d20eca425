using System.Text.Json;
using System.Text.Json.Serialization;
using Functions.Hosting;
using Leaderboard.Core;

namespace Leaderboard.Intake;

/// <summary>
/// Stores the match results of a batch of <c>match-intake</c> messages, each holding one result (a
/// <c>POST /matches</c> body) or a JSON array of them, with the same rules and idempotency. A message is
/// reported in <c>batchItemFailures</c> when any of its results is not stored (unreadable, invalid, unknown
/// players, a match id taken by a different result, or a data store error): only it returns to the queue,
/// and after the queue's <c>maxReceiveCount</c> it moves to the dead-letter queue. Results of it already
/// stored count once when it comes again.
/// </summary>
public sealed partial class MatchIntakeHandler(MatchSubmissions submissions, ILogger<MatchIntakeHandler> logger)
    : ILambdaEventHandler<SqsEvent, PartialBatchResponse>
{
    private const int MaxConcurrentMessages = 4;

    public async Task<PartialBatchResponse> HandleAsync(SqsEvent lambdaEvent, LambdaContext context, CancellationToken cancellationToken)
    {
        // Source-generated JSON sets an init-only property that the event lacks to null, whatever its initialiser.
        var messages = (IReadOnlyList<SqsMessage>?)lambdaEvent.Records
            ?? throw new InvalidDataException("The event is not an SQS batch: it has no Records.");
        var failed = new bool[messages.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentMessages, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, messages.Count), options, async (index, token) =>
        {
            var message = messages[index];
            try
            {
                failed[index] = !await StoreAsync(message, token);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogMessageFailed(exception, message.MessageId, message.ReceiveCount);
                failed[index] = true;
            }
        });
        return new PartialBatchResponse([.. messages.Where((_, index) => failed[index]).Select(message => new BatchItemFailure(message.MessageId))]);
    }

    /// <summary>Stores every result of the message; false (with the reason logged) when one cannot be.</summary>
    private async Task<bool> StoreAsync(SqsMessage message, CancellationToken cancellationToken)
    {
        if (Read(message.Body) is not { } requests)
        {
            LogRejected(message.MessageId, message.ReceiveCount, "the body is neither a match result nor an array of them");
            return false;
        }
        var stored = true;
        foreach (var request in requests)
        {
            var outcome = await submissions.SubmitAsync(request, cancellationToken);
            var rejection = outcome switch
            {
                MatchSubmissionOutcome.Invalid invalid => "invalid: " + string.Join("; ", invalid.Errors.Select(error => $"{error.Key}: {string.Join(" ", error.Value)}")),
                MatchSubmissionOutcome.UnknownPlayers unknown => $"unknown players {string.Join(", ", unknown.PlayerIds)}",
                MatchSubmissionOutcome.Conflict conflict => $"match '{conflict.MatchId}' was already submitted with a different body",
                _ => null,
            };
            if (rejection is not null)
            {
                LogRejected(message.MessageId, message.ReceiveCount, rejection);
                stored = false;
            }
        }
        return stored;
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store message {MessageId} (receive {ReceiveCount}); reporting it for retry")]
    private partial void LogMessageFailed(Exception exception, string messageId, int receiveCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected message {MessageId} (receive {ReceiveCount}): {Reason}; reporting it for retry")]
    private partial void LogRejected(string messageId, int receiveCount, string reason);
}

/// <summary>The match results of intake messages, read as <c>POST /matches</c> reads its body (camelCase, web defaults).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SubmitMatchRequest))]
[JsonSerializable(typeof(List<SubmitMatchRequest>))]
internal sealed partial class IntakeJsonContext : JsonSerializerContext;
