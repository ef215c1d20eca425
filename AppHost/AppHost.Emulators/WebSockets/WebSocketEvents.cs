using System.Globalization;
using System.Text.Json;
using AppHost.Emulators.ApiGateway;

namespace AppHost.Emulators.WebSockets;

/// <summary>What API Gateway knows of a connection: who opened it and when.</summary>
internal sealed record ConnectionIdentity(string ConnectionId, DateTimeOffset ConnectedAt, string SourceIp, string UserAgent);

/// <summary>Where a WebSocket API is served: the API's id, its stage and the host clients reach it by.</summary>
internal sealed record WebSocketStage(string ApiId, string Stage, string DomainName);

/// <summary>
/// Writes the events of WebSocket routes exactly as API Gateway shapes them for a Lambda proxy
/// integration: <c>CONNECT</c> (with the handshake's headers and query string), <c>MESSAGE</c> (with the
/// message as <c>body</c>, base64 for binary frames) and <c>DISCONNECT</c> (with the close code and reason).
/// </summary>
internal static class WebSocketEvents
{
    public static byte[] Connect(WebSocketStage stage, ConnectionIdentity connection, string requestId, DateTimeOffset time,
        IReadOnlyList<KeyValuePair<string, string>> headers, string rawQueryString) =>
        Write(json =>
        {
            ProxyEvents.WriteSingleAndMultiValueHeaders(json, headers);
            ProxyEvents.WriteSingleAndMultiValueQuery(json, rawQueryString);
            WriteRequestContext(json, stage, connection, "$connect", "CONNECT", requestId, time);
            json.WriteBoolean("isBase64Encoded", false);
        });

    public static byte[] Message(WebSocketStage stage, ConnectionIdentity connection, string routeKey, string requestId, DateTimeOffset time, string messageId,
        ReadOnlySpan<byte> message, bool binary)
    {
        var body = binary ? Convert.ToBase64String(message) : System.Text.Encoding.UTF8.GetString(message);
        return Write(json =>
        {
            WriteRequestContext(json, stage, connection, routeKey, "MESSAGE", requestId, time, messageId);
            json.WriteString("body", body);
            json.WriteBoolean("isBase64Encoded", binary);
        });
    }

    public static byte[] Disconnect(WebSocketStage stage, ConnectionIdentity connection, string requestId, DateTimeOffset time, int statusCode, string reason) =>
        Write(json =>
        {
            json.WriteStartObject("headers");
            json.WriteString("Host", stage.DomainName);
            json.WriteString("x-api-key", "");
            json.WriteString("x-restapi", "");
            json.WriteEndObject();
            WriteRequestContext(json, stage, connection, "$disconnect", "DISCONNECT", requestId, time, disconnect: (statusCode, reason));
            json.WriteBoolean("isBase64Encoded", false);
        });

    private static void WriteRequestContext(Utf8JsonWriter json, WebSocketStage stage, ConnectionIdentity connection, string routeKey, string eventType,
        string requestId, DateTimeOffset time, string? messageId = null, (int StatusCode, string Reason)? disconnect = null)
    {
        json.WriteStartObject("requestContext");
        json.WriteString("routeKey", routeKey);
        if (messageId is not null)
        {
            json.WriteString("messageId", messageId);
        }
        if (disconnect is { } closed)
        {
            json.WriteNumber("disconnectStatusCode", closed.StatusCode);
            json.WriteString("disconnectReason", closed.Reason);
        }
        json.WriteString("eventType", eventType);
        json.WriteString("extendedRequestId", requestId);
        json.WriteString("requestTime", time.ToString("dd/MMM/yyyy:HH:mm:ss +0000", CultureInfo.InvariantCulture));
        json.WriteString("messageDirection", "IN");
        json.WriteString("stage", stage.Stage);
        json.WriteNumber("connectedAt", connection.ConnectedAt.ToUnixTimeMilliseconds());
        json.WriteNumber("requestTimeEpoch", time.ToUnixTimeMilliseconds());
        json.WriteStartObject("identity");
        json.WriteString("sourceIp", connection.SourceIp);
        json.WriteString("userAgent", connection.UserAgent);
        json.WriteEndObject();
        json.WriteString("requestId", requestId);
        json.WriteString("domainName", stage.DomainName);
        json.WriteString("connectionId", connection.ConnectionId);
        json.WriteString("apiId", stage.ApiId);
        json.WriteEndObject();
    }

    private static byte[] Write(Action<Utf8JsonWriter> members)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            members(json);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
