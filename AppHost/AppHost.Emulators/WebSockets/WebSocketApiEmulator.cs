using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AppHost.Definition;
using AppHost.Emulators.ApiGateway;
using AppHost.Emulators.Lambda;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AppHost.Emulators.WebSockets;

/// <summary>
/// An API Gateway WebSocket API on loopback: clients connect to <c>ws://127.0.0.1:{port}/{stage}</c>
/// (the stage may be left out locally); <c>$connect</c>'s function may refuse a connection with a
/// non-2xx status; each message is routed by the route selection expression (<c>$request.body.action</c>)
/// or to <c>$default</c>, and a two-way route's response goes back to the client; <c>$disconnect</c>
/// hears every close. The Management API (<c>POST</c>/<c>GET</c>/<c>DELETE /{stage}/@connections/{id}</c>,
/// SigV4-signed) lets functions talk to clients. Limits and error messages are API Gateway's.
/// </summary>
public sealed class WebSocketApiEmulator : IAsyncDisposable
{
    private const string ConnectionsSegment = "@connections/";
    private const int ReceiveChunkBytes = 4096;
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly WebSocketApiDefinition _api;
    private readonly Func<string, LambdaFunction?> _functions;
    private readonly WebSocketApiOptions _options;
    private readonly WebApplication _app;
    private readonly string[] _selectionPath;
    private readonly ConcurrentDictionary<string, WebSocketConnection> _connections = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Timer _sweep;
    private WebSocketStage _stage = null!;

    private WebSocketApiEmulator(WebSocketApiDefinition api, Func<string, LambdaFunction?> functions, WebSocketApiOptions options, WebApplication app)
    {
        const string bodyPrefix = "$request.body.";
        if (!api.RouteSelectionExpression.StartsWith(bodyPrefix, StringComparison.Ordinal) || api.RouteSelectionExpression.Length == bodyPrefix.Length)
        {
            throw new ArgumentException($"{api.Name}: the route selection expression '{api.RouteSelectionExpression}' is not supported; use $request.body.<member>.", nameof(api));
        }
        _api = api;
        _functions = functions;
        _options = options;
        _app = app;
        _selectionPath = api.RouteSelectionExpression[bodyPrefix.Length..].Split('.');
        _sweep = new Timer(_ => CloseExpiredConnections(), null, SweepInterval, SweepInterval);
    }

    /// <summary>The HTTP endpoint (<c>http://127.0.0.1:{port}/</c>).</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The URL clients connect to: <c>ws://127.0.0.1:{port}/{stage}</c>.</summary>
    public Uri WebSocketUrl => new($"ws://{Endpoint.Authority}/{_api.Stage}");

    /// <summary>The Management API's endpoint for functions: <c>http://127.0.0.1:{port}/{stage}</c>.</summary>
    public Uri ManagementEndpoint => new(Endpoint, _api.Stage);

    /// <summary>The connections open now.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>CloudWatch's dimensions of this API's metrics.</summary>
    internal TagList MetricTags { get; private set; }

    public static async Task<WebSocketApiEmulator> StartAsync(
        WebSocketApiDefinition api, Func<string, LambdaFunction?> functions, WebSocketApiOptions options, CancellationToken cancellationToken = default)
    {
        var app = LoopbackHost.CreateBuilder(options.Port, maxRequestBodySize: null).Build();
        var emulator = new WebSocketApiEmulator(api, functions, options, app);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.Run(emulator.HandleAsync);
        await app.StartAsync(cancellationToken);
        emulator.Endpoint = new Uri(app.Urls.Single().TrimEnd('/') + "/");
        emulator._stage = new WebSocketStage(ApiGatewayIds.ApiId(api.Name), api.Stage, emulator.Endpoint.Authority);
        emulator.MetricTags = WebSocketApiMetrics.For(emulator._stage.ApiId, api.Stage);
        WebSocketApiMetrics.Track(emulator);
        return emulator;
    }

    public async ValueTask DisposeAsync()
    {
        WebSocketApiMetrics.Untrack(this);
        await _stopping.CancelAsync();
        await _sweep.DisposeAsync();
        await Task.WhenAll(_connections.Values.Select(connection => connection.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "Going away")));
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    /// <summary>
    /// The events a function of this API can be tested with: a connection, a message per route (its
    /// example message, else a JSON body selecting it), one for <c>$default</c>, and a disconnection.
    /// </summary>
    public IReadOnlyList<TestTool.SampleEvent> SampleEvents(string function)
    {
        var connection = new ConnectionIdentity(ApiGatewayIds.NewId(), DateTimeOffset.UtcNow, "127.0.0.1", "lambda-test-tool");
        var samples = new List<TestTool.SampleEvent>();
        foreach (var route in _api.Routes.Where(route => route.Function == function))
        {
            var now = DateTimeOffset.UtcNow;
            var payload = route.RouteKey switch
            {
                WebSocketRouteDefinition.Connect => WebSocketEvents.Connect(_stage, connection, ApiGatewayIds.NewId(), now, [new("Host", _stage.DomainName), new("Sec-WebSocket-Version", "13")], ""),
                WebSocketRouteDefinition.Disconnect => WebSocketEvents.Disconnect(_stage, connection, ApiGatewayIds.NewId(), now, 1000, "Client-side close frame status code '1000'"),
                _ => WebSocketEvents.Message(_stage, connection, route.RouteKey, ApiGatewayIds.NewId(), now, ApiGatewayIds.NewId(),
                    Encoding.UTF8.GetBytes(route.ExampleMessage ?? (route.RouteKey == WebSocketRouteDefinition.Default ? """{"action":"unknown"}""" : SelectingBody(route.RouteKey))), binary: false),
            };
            samples.Add(new TestTool.SampleEvent(TestTool.SampleEvent.IdFrom("websocket " + route.RouteKey), $"WebSocket {route.RouteKey}", System.Text.Json.Nodes.JsonNode.Parse(payload)!));
        }
        return samples;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "/";
        var path = rawTarget.Split('?', 2)[0];
        var stagePrefix = "/" + _api.Stage;
        if (path == stagePrefix || path.StartsWith(stagePrefix + "/", StringComparison.Ordinal))
        {
            path = path[stagePrefix.Length..];
        }
        path = path.TrimStart('/');
        if (path.StartsWith(ConnectionsSegment, StringComparison.Ordinal) || path.StartsWith("%40connections/", StringComparison.OrdinalIgnoreCase))
        {
            await ManageAsync(context, Uri.UnescapeDataString(path[(path.IndexOf('/', StringComparison.Ordinal) + 1)..]));
            return;
        }
        if (path.Length == 0 && context.WebSockets.IsWebSocketRequest)
        {
            await ConnectAsync(context);
            return;
        }
        await WriteErrorAsync(context, StatusCodes.Status403Forbidden, "ForbiddenException", "Forbidden");
    }

    private async Task ConnectAsync(HttpContext context)
    {
        var identity = new ConnectionIdentity(
            ApiGatewayIds.NewId(),
            DateTimeOffset.UtcNow,
            context.Connection.RemoteIpAddress?.MapToIPv4().ToString() ?? "127.0.0.1",
            context.Request.Headers.UserAgent.ToString());
        if (_api.Route(WebSocketRouteDefinition.Connect) is { } connectRoute)
        {
            using var activity = StartActivity(WebSocketRouteDefinition.Connect, identity.ConnectionId, ActivityContext.TryParse(context.Request.Headers["traceparent"], null, out var parent) ? parent : default);
            var requestId = ApiGatewayIds.NewId();
            var headers = context.Request.Headers.SelectMany(header => header.Value.Select(value => new KeyValuePair<string, string>(header.Key, value ?? ""))).ToList();
            var query = context.Request.QueryString.HasValue ? context.Request.QueryString.Value![1..] : "";
            var (status, _) = await InvokeRouteAsync(connectRoute, WebSocketEvents.Connect(_stage, identity, requestId, DateTimeOffset.UtcNow, headers, query));
            if (status is not (>= 200 and < 300))
            {
                activity?.SetStatus(ActivityStatusCode.Error, $"$connect answered {status}");
                WebSocketApiMetrics.ClientError.Add(1, MetricTags);
                await WriteErrorAsync(context, status ?? StatusCodes.Status500InternalServerError, null, status is null ? "Internal server error" : "Forbidden");
                return;
            }
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var connection = new WebSocketConnection(socket, identity);
        _connections[identity.ConnectionId] = connection;
        WebSocketApiMetrics.ConnectCount.Add(1, MetricTags);
        var (closeStatus, closeReason) = await ReceiveAsync(connection);
        _connections.TryRemove(identity.ConnectionId, out _);
        if (!_stopping.IsCancellationRequested && _api.Route(WebSocketRouteDefinition.Disconnect) is { } disconnectRoute)
        {
            using var activity = StartActivity(WebSocketRouteDefinition.Disconnect, identity.ConnectionId, default);
            await InvokeRouteAsync(disconnectRoute, WebSocketEvents.Disconnect(_stage, identity, ApiGatewayIds.NewId(), DateTimeOffset.UtcNow, closeStatus, closeReason));
        }
    }

    /// <summary>Reads messages until the connection closes; returns the close code and reason <c>$disconnect</c> hears.</summary>
    private async Task<(int StatusCode, string Reason)> ReceiveAsync(WebSocketConnection connection)
    {
        // Frames are read in small chunks; a message is assembled only up to the limit (a larger one is counted, not kept).
        var chunk = ArrayPool<byte>.Shared.Rent(ReceiveChunkBytes);
        var message = new ArrayBufferWriter<byte>(ReceiveChunkBytes);
        try
        {
            while (true)
            {
                message.ResetWrittenCount();
                var length = 0;
                ValueWebSocketReceiveResult frame;
                do
                {
                    frame = await connection.Socket.ReceiveAsync(chunk.AsMemory(0, ReceiveChunkBytes), CancellationToken.None);
                    length += frame.Count;
                    if (length <= _options.MaxMessageBytes)
                    {
                        message.Write(chunk.AsSpan(0, frame.Count));
                    }
                }
                while (!frame.EndOfMessage && frame.MessageType != WebSocketMessageType.Close);
                if (frame.MessageType == WebSocketMessageType.Close)
                {
                    await connection.AcknowledgeCloseAsync();
                    return ClosedByClient(connection);
                }
                connection.Touch();
                if (connection.ClosedByApi is not null)
                {
                    continue;
                }
                WebSocketApiMetrics.MessageCount.Add(1, MetricTags);
                if (length > _options.MaxMessageBytes)
                {
                    WebSocketApiMetrics.ClientError.Add(1, MetricTags);
                    await connection.CloseAsync(WebSocketCloseStatus.MessageTooBig, "Message too big");
                    continue;
                }
                await DispatchAsync(connection, message.WrittenMemory, frame.MessageType == WebSocketMessageType.Binary);
            }
        }
        catch (Exception failure) when (failure is WebSocketException or OperationCanceledException or IOException)
        {
            return connection.ClosedByApi ?? (1006, "Connection lost");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static (int StatusCode, string Reason) ClosedByClient(WebSocketConnection connection)
    {
        if (connection.ClosedByApi is { } closed)
        {
            return closed;
        }
        var code = (int?)connection.Socket.CloseStatus ?? 1005;
        return (code, $"Client-side close frame status code '{code}' - description '{connection.Socket.CloseStatusDescription}'");
    }

    /// <summary>Routes one message, invokes its function, and answers with a two-way route's response or API Gateway's error message.</summary>
    private async Task DispatchAsync(WebSocketConnection connection, ReadOnlyMemory<byte> message, bool binary)
    {
        var requestId = ApiGatewayIds.NewId();
        var route = SelectRoute(message, binary);
        if (route is null)
        {
            WebSocketApiMetrics.ClientError.Add(1, MetricTags);
            await SendErrorAsync(connection, "Forbidden", requestId);
            return;
        }
        using var activity = StartActivity(route.RouteKey, connection.Identity.ConnectionId, default);
        activity?.SetTag("messaging.message.body.size", message.Length);
        var payload = WebSocketEvents.Message(_stage, connection.Identity, route.RouteKey, requestId, DateTimeOffset.UtcNow, ApiGatewayIds.NewId(), message.Span, binary);
        var (status, body) = await InvokeRouteAsync(route, payload);
        if (status is null)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "integration failed");
            await SendErrorAsync(connection, "Internal server error", requestId);
            return;
        }
        if (route.ReturnsResponse && body is not null && await connection.SendAsync(Encoding.UTF8.GetBytes(body), WebSocketMessageType.Text, CancellationToken.None))
        {
            WebSocketApiMetrics.MessageCount.Add(1, MetricTags);
        }
    }

    /// <summary>The route the selection expression names in a JSON message, else <c>$default</c>, else none.</summary>
    private WebSocketRouteDefinition? SelectRoute(ReadOnlyMemory<byte> message, bool binary)
    {
        var selected = binary ? null : SelectionValue(message);
        return (selected is { Length: > 0 } && !selected.StartsWith('$') ? _api.Route(selected) : null)
            ?? _api.Route(WebSocketRouteDefinition.Default);
    }

    private string? SelectionValue(ReadOnlyMemory<byte> message)
    {
        try
        {
            using var document = JsonDocument.Parse(message);
            var element = document.RootElement;
            foreach (var member in _selectionPath)
            {
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(member, out element))
                {
                    return null;
                }
            }
            return element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Invokes a route's function within the integration timeout; returns its status code and body, or a
    /// null status when it failed, timed out, was throttled or answered something that is not a response.
    /// </summary>
    private async Task<(int? StatusCode, string? Body)> InvokeRouteAsync(WebSocketRouteDefinition route, byte[] payload)
    {
        if (_functions(route.Function) is not { } function)
        {
            return (null, null);
        }
        var clock = Stopwatch.StartNew();
        (int? StatusCode, string? Body) answer = (null, null);
        try
        {
            // The invocation goes on when the integration times out, as in AWS; only its answer is not awaited.
            var result = await EmulatorTelemetry.InvokeAsync(EmulatorTelemetry.WebSocketApi, function, _ => new LambdaInvocationRequest(payload), CancellationToken.None)
                .WaitAsync(_options.IntegrationTimeout);
            if (result.Status == InvocationStatus.Succeeded)
            {
                answer = ReadResponse(result.Payload);
            }
        }
        catch (TimeoutException)
        {
            // Answered below as an integration error.
        }
        WebSocketApiMetrics.IntegrationLatency.Record(clock.Elapsed.TotalMilliseconds, MetricTags);
        if (answer.StatusCode is null)
        {
            WebSocketApiMetrics.IntegrationError.Add(1, MetricTags);
        }
        return answer;
    }

    /// <summary>A proxy response's <c>statusCode</c> and <c>body</c>; a response without a status counts as 200, as API Gateway takes it.</summary>
    private static (int? StatusCode, string? Body) ReadResponse(byte[] payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (200, null);
            }
            var status = document.RootElement.TryGetProperty("statusCode", out var code) && code.TryGetInt32(out var value) ? value : 200;
            var body = document.RootElement.TryGetProperty("body", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null;
            return (status, body);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    /// <summary>The Management API: post to, describe or close one connection.</summary>
    private async Task ManageAsync(HttpContext context, string connectionId)
    {
        var method = context.Request.Method;
        using var activity = EmulatorTelemetry.WebSocketApi.StartActivity(
            $"{method} @connections", ActivityKind.Server,
            ActivityContext.TryParse(context.Request.Headers["traceparent"], context.Request.Headers["tracestate"], out var parent) ? parent : default);
        activity?.SetTag("http.request.method", method);
        activity?.SetTag("aws.apigateway.connection_id", connectionId);
        if (!IsSigned(context.Request))
        {
            await WriteErrorAsync(context, StatusCodes.Status403Forbidden, "ForbiddenException", "Missing Authentication Token");
            return;
        }
        if (!_connections.TryGetValue(connectionId, out var connection))
        {
            activity?.SetStatus(ActivityStatusCode.Error, "gone");
            await WriteErrorAsync(context, StatusCodes.Status410Gone, "GoneException", $"Connection {connectionId} is gone.");
            return;
        }
        if (HttpMethods.IsPost(method))
        {
            var body = await BoundedBody.ReadAsync(context.Request, _options.MaxMessageBytes);
            if (body is null)
            {
                await WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, "PayloadTooLargeException", $"The message is larger than {_options.MaxMessageBytes} bytes.");
                return;
            }
            var type = System.Text.Unicode.Utf8.IsValid(body) ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
            if (!await connection.SendAsync(body, type, context.RequestAborted))
            {
                await WriteErrorAsync(context, StatusCodes.Status410Gone, "GoneException", $"Connection {connectionId} is gone.");
                return;
            }
            WebSocketApiMetrics.MessageCount.Add(1, MetricTags);
            return;
        }
        if (HttpMethods.IsGet(method))
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(
                new ConnectionDescription(connection.Identity.ConnectedAt, new ConnectionDescriptionIdentity(connection.Identity.SourceIp, connection.Identity.UserAgent), connection.LastActiveAt),
                WebSocketJsonContext.Default.ConnectionDescription));
            return;
        }
        if (HttpMethods.IsDelete(method))
        {
            await connection.CloseAsync(WebSocketCloseStatus.NormalClosure, "Connection deleted");
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }
        await WriteErrorAsync(context, StatusCodes.Status405MethodNotAllowed, "BadRequestException", $"{method} is not a Management API method; use POST, GET or DELETE.");
    }

    /// <summary>Signed with Signature Version 4 for <c>execute-api</c>, as API Gateway requires of Management API calls.</summary>
    private static bool IsSigned(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("AWS4-HMAC-SHA256 Credential=", StringComparison.Ordinal)
            && authorization.Contains("/execute-api/aws4_request", StringComparison.Ordinal)
            && authorization.Contains("Signature=", StringComparison.Ordinal)
            && (request.Headers.ContainsKey("x-amz-date") || request.Headers.ContainsKey("date"));
    }

    private void CloseExpiredConnections()
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var connection in _connections.Values.Where(connection => connection.ClosedByApi is null))
        {
            if (now - connection.Identity.ConnectedAt >= _options.MaxConnectionDuration)
            {
                _ = connection.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "Going away: the connection's maximum duration is reached");
            }
            else if (now - connection.LastActiveAt >= _options.IdleTimeout)
            {
                _ = connection.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "Going away: idle timeout");
            }
        }
    }

    private Activity? StartActivity(string routeKey, string connectionId, ActivityContext parent)
    {
        var activity = EmulatorTelemetry.WebSocketApi.StartActivity($"WebSocket {routeKey}", ActivityKind.Server, parent);
        activity?.SetTag("aws.apigateway.route_key", routeKey);
        activity?.SetTag("aws.apigateway.connection_id", connectionId);
        activity?.SetTag("aws.apigateway.api_id", _stage.ApiId);
        return activity;
    }

    private static Task<bool> SendErrorAsync(WebSocketConnection connection, string message, string requestId) =>
        connection.SendAsync(
            JsonSerializer.SerializeToUtf8Bytes(new ErrorFrame(message, connection.Identity.ConnectionId, requestId), WebSocketJsonContext.Default.ErrorFrame),
            WebSocketMessageType.Text, CancellationToken.None);

    private static Task WriteErrorAsync(HttpContext context, int statusCode, string? errorType, string message)
    {
        context.Response.StatusCode = statusCode;
        if (errorType is not null)
        {
            context.Response.Headers["x-amzn-ErrorType"] = errorType;
        }
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new GatewayMessage(message), GatewayJsonContext.Default.GatewayMessage));
    }

    private string SelectingBody(string routeKey)
    {
        var body = new System.Text.Json.Nodes.JsonObject();
        var target = body;
        foreach (var member in _selectionPath[..^1])
        {
            var inner = new System.Text.Json.Nodes.JsonObject();
            target[member] = inner;
            target = inner;
        }
        target[_selectionPath[^1]] = routeKey;
        return body.ToJsonString();
    }
}

/// <summary>The message API Gateway sends a client when its message found no route or its function failed.</summary>
internal sealed record ErrorFrame(
    [property: System.Text.Json.Serialization.JsonPropertyName("message")] string Message,
    [property: System.Text.Json.Serialization.JsonPropertyName("connectionId")] string ConnectionId,
    [property: System.Text.Json.Serialization.JsonPropertyName("requestId")] string RequestId);

/// <summary>The Management API's <c>GET /@connections/{id}</c>.</summary>
internal sealed record ConnectionDescription(
    [property: System.Text.Json.Serialization.JsonPropertyName("connectedAt")] DateTimeOffset ConnectedAt,
    [property: System.Text.Json.Serialization.JsonPropertyName("identity")] ConnectionDescriptionIdentity Identity,
    [property: System.Text.Json.Serialization.JsonPropertyName("lastActiveAt")] DateTimeOffset LastActiveAt);

internal sealed record ConnectionDescriptionIdentity(
    [property: System.Text.Json.Serialization.JsonPropertyName("sourceIp")] string SourceIp,
    [property: System.Text.Json.Serialization.JsonPropertyName("userAgent")] string UserAgent);

[System.Text.Json.Serialization.JsonSerializable(typeof(ErrorFrame))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ConnectionDescription))]
internal sealed partial class WebSocketJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
