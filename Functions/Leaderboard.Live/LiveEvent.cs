using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Functions.Hosting;

namespace Leaderboard.Live;

/// <summary>
/// What the function is invoked with: an event of one of its WebSocket routes (it has a
/// <see cref="RequestContext"/>) or a batch of the table's stream (it has <see cref="Records"/>).
/// </summary>
public sealed class LiveEvent
{
    [JsonPropertyName("Records")]
    public IReadOnlyList<DynamoDbStreamRecord>? Records { get; init; }

    public WebSocketRequestContext? RequestContext { get; init; }

    /// <summary>The client's message (MESSAGE events).</summary>
    public string? Body { get; init; }

    public bool IsBase64Encoded { get; init; }
}

/// <summary>
/// What the function answers: to a WebSocket route, a status (a non-2xx refuses a connection) and, on a
/// two-way route, the message for the client; to a stream batch, the records to retry (none).
/// </summary>
public sealed record LiveResponse(int? StatusCode = null, string? Body = null, IReadOnlyList<BatchItemFailure>? BatchItemFailures = null)
{
    public static LiveResponse Status(int statusCode, string? body = null) => new(statusCode, body);
}

/// <summary>A message from a client: <c>{"action":"subscribe","boardId":"X"}</c> or <c>{"action":"unsubscribe","boardId":"X"}</c>.</summary>
public sealed record ClientMessage(string? Action, string? BoardId);

/// <summary>A board's top standings as sent to clients.</summary>
/// <param name="Type"><c>standings</c> for a push after a change, <c>subscribed</c> for the answer to a subscription.</param>
public sealed record StandingsMessage(string Type, string BoardId, IReadOnlyList<StandingsEntry> Entries);

/// <summary>The answer to an unsubscription: <c>{"type":"unsubscribed","boardId":"X"}</c>.</summary>
public sealed record SubscriptionMessage(string Type, string BoardId);

public sealed record StandingsEntry(long Rank, string PlayerId, string DisplayName, long Points);

/// <summary>Why a message was not understood: <c>{"type":"error","message":"..."}</c>.</summary>
public sealed record ErrorMessage(string Type, string Message)
{
    public static ErrorMessage Because(string message) => new("error", message);
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(LiveEvent))]
[JsonSerializable(typeof(LiveResponse))]
[JsonSerializable(typeof(ClientMessage))]
[JsonSerializable(typeof(StandingsMessage))]
[JsonSerializable(typeof(ErrorMessage))]
[JsonSerializable(typeof(SubscriptionMessage))]
internal sealed partial class LiveJsonContext : JsonSerializerContext
{
    /// <summary>For messages to clients: readable text (quotes and brackets as they are; JSON stays valid, and browsers set it as text).</summary>
    public static LiveJsonContext Messages { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
