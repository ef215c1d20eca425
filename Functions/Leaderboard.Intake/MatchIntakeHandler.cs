using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Functions.Hosting;
using Leaderboard.Core;

namespace Leaderboard.Intake;

/// <summary>
/// Stores the match results of a batch of <c>match-intake</c> messages, each holding one result (a
/// <c>POST /matches</c> body) or a JSON array of them, signed with the match signing key in the String
/// message attribute <c>signature</c> (<see cref="MatchSignature"/>), with the same rules and idempotency. A
/// message is reported in <c>batchItemFailures</c> when its signature is missing, malformed or wrong (nothing
/// of it is read), or when any of its results is not stored (unreadable, invalid, unknown players, a match id
/// taken by a different result): only it returns to the queue, and after the queue's <c>maxReceiveCount</c> it
/// moves to the dead-letter queue; a data store error, or a signing key that cannot be read, returns the whole
/// batch. Results already stored count once when their message comes again. The results of the whole batch are
/// submitted together: one player lookup, new matches stored in transactions of up to 100.
/// </summary>
public sealed partial class MatchIntakeHandler(MatchSubmissions submissions, MatchSignatureVerifier signatures, ILogger<MatchIntakeHandler> logger)
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
            var message = messages[index];
            MatchSignatureCheck signature;
            try
            {
                signature = await signatures.CheckAsync(Encoding.UTF8.GetBytes(message.Body),
                    message.MessageAttributes.GetValueOrDefault(MatchSignature.MessageAttributeName)?.StringValue, cancellationToken);
            }
            catch (MatchSigningKeyUnavailableException exception)
            {
                LogSigningKeyUnavailable(exception, messages.Count);
                return new PartialBatchResponse([.. messages.Select(returned => new BatchItemFailure(returned.MessageId))]);
            }
            if (Refusal(signature) is { } refusal)
            {
                LogRejected(message.MessageId, message.ReceiveCount, refusal);
                failed[index] = true;
            }
            else if (Read(message.Body) is { } read)
            {
                requests.AddRange(read.Select(request => (index, request)));
            }
            else
            {
                LogRejected(message.MessageId, message.ReceiveCount, "the body is neither a match result nor an array of them");
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

    /// <summary>Why a message's signature is refused; null when it is valid.</summary>
    private static string? Refusal(MatchSignatureCheck signature) => signature switch
    {
        MatchSignatureCheck.Valid => null,
        MatchSignatureCheck.Missing => $"it has no '{MatchSignature.MessageAttributeName}' message attribute (String: '{MatchSignature.Prefix}' and the lowercase hex HMAC-SHA256 of the body with the match signing key)",
        MatchSignatureCheck.Malformed => $"its '{MatchSignature.MessageAttributeName}' attribute is not '{MatchSignature.Prefix}' followed by 64 lowercase hex digits",
        _ => $"its '{MatchSignature.MessageAttributeName}' attribute is not the signature of its body with the match signing key",
    };

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

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not read the match signing key, so no signature of the batch's {Count} messages can be checked; reporting them all for retry")]
    private partial void LogSigningKeyUnavailable(Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected message {MessageId} (receive {ReceiveCount}): {Reason}; reporting it for retry")]
    private partial void LogRejected(string messageId, int receiveCount, string reason);
}

/// <summary>The match results of intake messages, read as <c>POST /matches</c> reads its body (camelCase, web defaults).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SubmitMatchRequest))]
[JsonSerializable(typeof(List<SubmitMatchRequest>))]
internal sealed partial class IntakeJsonContext : JsonSerializerContext;
