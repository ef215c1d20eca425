namespace Functions.Hosting;

/// <summary>
/// The <c>requestContext</c> of an API Gateway WebSocket route's event: which route, which connection,
/// and what happened (<c>CONNECT</c>, <c>MESSAGE</c> or <c>DISCONNECT</c>).
/// </summary>
public sealed class WebSocketRequestContext
{
    /// <summary><c>$connect</c>, <c>$disconnect</c>, <c>$default</c> or the selected route's key.</summary>
    public string RouteKey { get; init; } = "";

    /// <summary><c>CONNECT</c>, <c>MESSAGE</c> or <c>DISCONNECT</c>.</summary>
    public string EventType { get; init; } = "";

    /// <summary>The connection, as the Management API names it (<c>/@connections/{connectionId}</c>).</summary>
    public string ConnectionId { get; init; } = "";

    /// <summary>When the connection was opened, in milliseconds since the Unix epoch.</summary>
    public long ConnectedAt { get; init; }

    public string? DomainName { get; init; }

    public string? Stage { get; init; }

    public string? ApiId { get; init; }

    public string? RequestId { get; init; }

    /// <summary>The message's identifier (MESSAGE events).</summary>
    public string? MessageId { get; init; }

    /// <summary>The WebSocket close code (DISCONNECT events).</summary>
    public int? DisconnectStatusCode { get; init; }

    /// <summary>Why the connection closed (DISCONNECT events).</summary>
    public string? DisconnectReason { get; init; }
}
