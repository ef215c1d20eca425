using System.Text;
using System.Text.Json;
using Functions.Hosting;
using Leaderboard.Core;
using Microsoft.Extensions.Options;

namespace Leaderboard.Live;

/// <summary>
/// The live-board function. As the WebSocket API's integration it accepts connections, subscribes a
/// connection to a board (answering with the board's current top standings) or unsubscribes it (the
/// <c>unsubscribe</c> action reaches it through <c>$default</c>), and forgets a connection when it closes; as the stream's consumer it pushes a board's new top standings to every subscriber
/// after a change, dropping connections that are gone. A message it cannot read gets an error message,
/// never a failure: the client stays connected.
/// </summary>
public sealed partial class LiveFunction(
    SubscriptionStore subscriptions,
    StandingsRepository standings,
    ConnectionsClient connections,
    IOptions<LiveOptions> options,
    ILogger<LiveFunction> logger)
    : ILambdaEventHandler<LiveEvent, LiveResponse>
{
    private const int MaxConcurrentPosts = 16;
    private const int MaxConcurrentBoards = 4;

    public async Task<LiveResponse> HandleAsync(LiveEvent lambdaEvent, LambdaContext context, CancellationToken cancellationToken)
    {
        if (lambdaEvent.Records is { } records)
        {
            await PushChangedBoardsAsync(records, cancellationToken);
            return new LiveResponse(BatchItemFailures: []);
        }
        if (lambdaEvent.RequestContext is { } request)
        {
            return request.EventType switch
            {
                "CONNECT" => LiveResponse.Status(200),
                "DISCONNECT" => await DisconnectAsync(request.ConnectionId, cancellationToken),
                "MESSAGE" => await ReceiveAsync(request.ConnectionId, MessageText(lambdaEvent), cancellationToken),
                _ => throw new InvalidDataException($"Unknown WebSocket event type '{request.EventType}'."),
            };
        }
        throw new InvalidDataException("The event is neither a WebSocket route's event (requestContext) nor a DynamoDB Streams batch (Records).");
    }

    private async Task<LiveResponse> DisconnectAsync(string connectionId, CancellationToken cancellationToken)
    {
        await subscriptions.RemoveConnectionAsync(connectionId, cancellationToken);
        return LiveResponse.Status(200);
    }

    private async Task<LiveResponse> ReceiveAsync(string connectionId, string? text, CancellationToken cancellationToken)
    {
        ClientMessage? message;
        try
        {
            message = string.IsNullOrWhiteSpace(text) ? null : JsonSerializer.Deserialize(text, LiveJsonContext.Default.ClientMessage);
        }
        catch (JsonException)
        {
            message = null;
        }
        if (message is null)
        {
            return Error("The message is not a JSON object. Send {\"action\":\"subscribe\",\"boardId\":\"<board>\"}.");
        }
        if (message.Action is not ("subscribe" or "unsubscribe"))
        {
            return Error($"Unknown action '{message.Action}'. Send {{\"action\":\"subscribe\",\"boardId\":\"<board>\"}} or \"unsubscribe\" with the board.");
        }
        if (!Rules.IsValidId(message.BoardId))
        {
            return Error("boardId must be 1–64 letters, digits, '_' or '-'.");
        }
        if (message.Action == "unsubscribe")
        {
            await subscriptions.UnsubscribeAsync(connectionId, message.BoardId!, cancellationToken);
            return LiveResponse.Status(200, JsonSerializer.Serialize(new SubscriptionMessage("unsubscribed", message.BoardId!), LiveJsonContext.Messages.SubscriptionMessage));
        }
        await subscriptions.SubscribeAsync(connectionId, message.BoardId!, cancellationToken);
        var current = await StandingsAsync("subscribed", message.BoardId!, cancellationToken);
        return LiveResponse.Status(200, Encoding.UTF8.GetString(current));
    }

    private async Task PushChangedBoardsAsync(IReadOnlyList<DynamoDbStreamRecord> records, CancellationToken cancellationToken)
    {
        var boards = records
            .Select(record => record.Dynamodb.NewImage)
            .Where(image => image is not null && image.TryGetValue("Type", out var type) && type.S == "BoardStats")
            .Select(image => image!.TryGetValue("boardId", out var board) ? board.S : null)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentBoards, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(boards, parallel, async (boardId, token) => await PushAsync(boardId, token));
    }

    /// <summary>Sends the board's top standings to each subscriber; a failed post is logged (the next change sends again), a gone connection forgotten.</summary>
    private async Task PushAsync(string boardId, CancellationToken cancellationToken)
    {
        var subscribers = await subscriptions.SubscribersAsync(boardId, cancellationToken);
        if (subscribers.Count == 0)
        {
            return;
        }
        var message = await StandingsAsync("standings", boardId, cancellationToken);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentPosts, CancellationToken = cancellationToken };
        var gone = 0;
        await Parallel.ForEachAsync(subscribers, parallel, async (connectionId, token) =>
        {
            if (await connections.PostAsync(connectionId, message, token) == PostOutcome.Gone)
            {
                Interlocked.Increment(ref gone);
                await subscriptions.RemoveConnectionAsync(connectionId, token);
            }
        });
        LogPushed(boardId, subscribers.Count - gone, gone);
    }

    private async Task<byte[]> StandingsAsync(string type, string boardId, CancellationToken cancellationToken)
    {
        var top = await standings.GetTopAsync(boardId, options.Value.TopCount, cancellationToken);
        var entries = top.Select(standing => new StandingsEntry(standing.Rank, standing.PlayerId, standing.DisplayName, standing.Points)).ToList();
        return JsonSerializer.SerializeToUtf8Bytes(new StandingsMessage(type, boardId, entries), LiveJsonContext.Messages.StandingsMessage);
    }

    private static string? MessageText(LiveEvent lambdaEvent) =>
        lambdaEvent.IsBase64Encoded && lambdaEvent.Body is { } encoded ? Encoding.UTF8.GetString(Convert.FromBase64String(encoded)) : lambdaEvent.Body;

    private static LiveResponse Error(string message) =>
        LiveResponse.Status(400, JsonSerializer.Serialize(ErrorMessage.Because(message), LiveJsonContext.Messages.ErrorMessage));

    [LoggerMessage(Level = LogLevel.Information, Message = "Board {BoardId}: standings pushed to {Delivered} connection(s), {Gone} gone")]
    private partial void LogPushed(string boardId, int delivered, int gone);
}
