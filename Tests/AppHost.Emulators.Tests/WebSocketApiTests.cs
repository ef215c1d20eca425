using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AppHost.Definition;
using AppHost.Emulators.Lambda;
using AppHost.Emulators.WebSockets;

namespace AppHost.Emulators.Tests;

/// <summary>A WebSocket API in front of the test function (a real process), with real WebSocket clients and HTTP.</summary>
public sealed class WebSocketApiFixture : IAsyncLifetime
{
    public const int MaxMessageBytes = 4096;

    /// <summary>Two-way <c>echo</c> and <c>throw</c>, one-way <c>oneway</c>, no <c>$default</c>.</summary>
    public static WebSocketApiDefinition Api { get; } = new("test-websocket-api",
    [
        new(WebSocketRouteDefinition.Connect, "test-function"),
        new(WebSocketRouteDefinition.Disconnect, "test-function"),
        new("echo", "test-function", ReturnsResponse: true),
        new("throw", "test-function", ReturnsResponse: true),
        new("oneway", "test-function"),
    ],
    Stage: "test");

    private readonly SpanRecorder _spans = new(EmulatorTelemetry.WebSocketApiSourceName);

    public ConcurrentBag<Activity> Spans => _spans.Spans;

    /// <summary>The function's output lines (its CONNECT and DISCONNECT events among them).</summary>
    public ConcurrentQueue<string> FunctionOutput { get; } = new();

    public LambdaFunction Function { get; private set; } = null!;

    public WebSocketApiEmulator Emulator { get; private set; } = null!;

    public HttpClient Http { get; } = new();

    public async Task InitializeAsync()
    {
        Function = new LambdaFunction(TestFunctions.Settings(), FunctionOutput.Enqueue);
        Emulator = await StartAsync(new WebSocketApiOptions { Port = 0, MaxMessageBytes = MaxMessageBytes });
    }

    public Task<WebSocketApiEmulator> StartAsync(WebSocketApiOptions options) =>
        WebSocketApiEmulator.StartAsync(Api, name => name == Function.Settings.Name ? Function : null, options);

    /// <summary>The event the function logged for <paramref name="eventType"/> on the connection, once it has.</summary>
    public async Task<JsonElement> LoggedEventAsync(string eventType, string connectionId)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            foreach (var line in FunctionOutput)
            {
                var start = line.IndexOf("websocket-event ", StringComparison.Ordinal);
                if (start < 0)
                {
                    continue;
                }
                var logged = JsonDocument.Parse(line[(start + "websocket-event ".Length)..]).RootElement;
                var context = logged.GetProperty("requestContext");
                if (context.GetProperty("eventType").GetString() == eventType && context.GetProperty("connectionId").GetString() == connectionId)
                {
                    return logged;
                }
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"The function logged no {eventType} event for {connectionId}.");
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        _spans.Dispose();
        await Emulator.DisposeAsync();
        await Function.DisposeAsync();
    }
}

public class WebSocketApiTests(WebSocketApiFixture fixture) : IClassFixture<WebSocketApiFixture>
{
    private static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task AMessageBecomesARouteEventWithApiGatewaysRequestContextAndTheTwoWayRouteAnswers()
    {
        using var socket = await ConnectAsync(fixture.Emulator, "?player=ada");

        var message = """{"action":"echo","n":1}""";
        var echoed = JsonDocument.Parse(await ExchangeAsync(socket, message)).RootElement;

        var context = echoed.GetProperty("requestContext");
        Assert.Equal("echo", context.GetProperty("routeKey").GetString());
        Assert.Equal("MESSAGE", context.GetProperty("eventType").GetString());
        Assert.Equal("IN", context.GetProperty("messageDirection").GetString());
        Assert.Equal("test", context.GetProperty("stage").GetString());
        Assert.Equal(fixture.Emulator.Endpoint.Authority, context.GetProperty("domainName").GetString());
        Assert.Matches("^[a-z0-9]{10}$", context.GetProperty("apiId").GetString());
        Assert.False(string.IsNullOrEmpty(context.GetProperty("messageId").GetString()));
        Assert.False(string.IsNullOrEmpty(context.GetProperty("requestId").GetString()));
        Assert.Equal("127.0.0.1", context.GetProperty("identity").GetProperty("sourceIp").GetString());
        var connectedAt = DateTimeOffset.FromUnixTimeMilliseconds(context.GetProperty("connectedAt").GetInt64());
        Assert.InRange(DateTimeOffset.UtcNow - connectedAt, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        Assert.Equal(message, echoed.GetProperty("body").GetString());
        Assert.False(echoed.GetProperty("isBase64Encoded").GetBoolean());

        // The connection's $connect event carried the handshake's query string and headers.
        var connectionId = context.GetProperty("connectionId").GetString()!;
        var connect = await fixture.LoggedEventAsync("CONNECT", connectionId);
        Assert.Equal("$connect", connect.GetProperty("requestContext").GetProperty("routeKey").GetString());
        Assert.Equal("ada", connect.GetProperty("queryStringParameters").GetProperty("player").GetString());
        Assert.Equal("13", connect.GetProperty("headers").GetProperty("Sec-WebSocket-Version").GetString());
        Assert.Equal(context.GetProperty("connectedAt").GetInt64(), connect.GetProperty("requestContext").GetProperty("connectedAt").GetInt64());
    }

    [Fact]
    public async Task ClosingTheConnectionInvokesDisconnectWithTheClientsCloseCode()
    {
        using var socket = await ConnectAsync(fixture.Emulator);
        var connectionId = await ConnectionIdAsync(socket);

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);

        var disconnect = (await fixture.LoggedEventAsync("DISCONNECT", connectionId)).GetProperty("requestContext");
        Assert.Equal("$disconnect", disconnect.GetProperty("routeKey").GetString());
        Assert.Equal(1000, disconnect.GetProperty("disconnectStatusCode").GetInt32());
        Assert.Contains("bye", disconnect.GetProperty("disconnectReason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AConnectAnsweredWithANon2xxStatusRefusesTheConnection()
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri(fixture.Emulator.WebSocketUrl + "?refuse=yes"), CancellationToken.None));

        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
    }

    [Fact]
    public async Task AMessageNoRouteTakesGetsForbiddenAndTheConnectionStaysOpen()
    {
        using var socket = await ConnectAsync(fixture.Emulator);

        foreach (var unroutable in new[] { """{"action":"nope"}""", "not json", """{"action":{"nested":true}}""", """{"action":"$connect"}""" })
        {
            var answer = JsonDocument.Parse(await ExchangeAsync(socket, unroutable)).RootElement;
            Assert.Equal("Forbidden", answer.GetProperty("message").GetString());
            Assert.False(string.IsNullOrEmpty(answer.GetProperty("connectionId").GetString()));
            Assert.False(string.IsNullOrEmpty(answer.GetProperty("requestId").GetString()));
        }

        Assert.Equal(WebSocketState.Open, socket.State);
        Assert.Contains("\"routeKey\":\"echo\"", await ExchangeAsync(socket, """{"action":"echo"}"""), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailingFunctionGetsInternalServerErrorAndTheConnectionStaysOpen()
    {
        using var socket = await ConnectAsync(fixture.Emulator);

        var answer = JsonDocument.Parse(await ExchangeAsync(socket, """{"action":"throw"}""")).RootElement;

        Assert.Equal("Internal server error", answer.GetProperty("message").GetString());
        Assert.Equal(WebSocketState.Open, socket.State);
        Assert.Contains("\"routeKey\":\"echo\"", await ExchangeAsync(socket, """{"action":"echo"}"""), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AOneWayRouteSendsNothingBack()
    {
        using var socket = await ConnectAsync(fixture.Emulator);

        await SendAsync(socket, """{"action":"oneway"}""");

        // The next message received answers the echo sent after it: the one-way route's response was not sent.
        Assert.Contains("\"routeKey\":\"echo\"", await ExchangeAsync(socket, """{"action":"echo"}"""), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheManagementApiPostsToDescribesAndClosesAConnectionAndThenAnswersGone()
    {
        using var socket = await ConnectAsync(fixture.Emulator);
        var connectionId = await ConnectionIdAsync(socket);
        var connectionUrl = new Uri(fixture.Emulator.ManagementEndpoint + "/@connections/" + Uri.EscapeDataString(connectionId));

        using (var posted = await fixture.Http.SendAsync(Signed(HttpMethod.Post, connectionUrl, """{"pushed":true}""")))
        {
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        }
        Assert.Equal("""{"pushed":true}""", await ReceiveAsync(socket));

        using (var described = await fixture.Http.SendAsync(Signed(HttpMethod.Get, connectionUrl)))
        {
            var description = JsonDocument.Parse(await described.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(HttpStatusCode.OK, described.StatusCode);
            Assert.Equal("127.0.0.1", description.GetProperty("identity").GetProperty("sourceIp").GetString());
            Assert.True(description.GetProperty("lastActiveAt").GetDateTimeOffset() >= description.GetProperty("connectedAt").GetDateTimeOffset());
        }

        using (var deleted = await fixture.Http.SendAsync(Signed(HttpMethod.Delete, connectionUrl)))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        var closing = await socket.ReceiveAsync(new byte[1024], new CancellationTokenSource(ReceiveTimeout).Token);
        Assert.Equal(WebSocketMessageType.Close, closing.MessageType);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        await fixture.LoggedEventAsync("DISCONNECT", connectionId);

        using var gone = await fixture.Http.SendAsync(Signed(HttpMethod.Post, connectionUrl, "late"));
        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        Assert.Equal("GoneException", gone.Headers.GetValues("x-amzn-ErrorType").Single());
    }

    [Fact]
    public async Task TheManagementApiRefusesUnsignedAndOversizedPosts()
    {
        using var socket = await ConnectAsync(fixture.Emulator);
        var connectionUrl = new Uri(fixture.Emulator.ManagementEndpoint + "/@connections/" + Uri.EscapeDataString(await ConnectionIdAsync(socket)));

        using var unsigned = await fixture.Http.PostAsync(connectionUrl, new StringContent("hello"));
        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
        Assert.Equal("ForbiddenException", unsigned.Headers.GetValues("x-amzn-ErrorType").Single());
        Assert.Equal("Missing Authentication Token", JsonDocument.Parse(await unsigned.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString());

        using var oversized = await fixture.Http.SendAsync(Signed(HttpMethod.Post, connectionUrl, new string('x', WebSocketApiFixture.MaxMessageBytes + 1)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
        Assert.Equal("PayloadTooLargeException", oversized.Headers.GetValues("x-amzn-ErrorType").Single());

        // Neither reached the client, which still talks.
        Assert.Contains("\"routeKey\":\"echo\"", await ExchangeAsync(socket, """{"action":"echo"}"""), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMessageOverTheLimitClosesTheConnectionWithMessageTooBig()
    {
        using var socket = await ConnectAsync(fixture.Emulator);
        var connectionId = await ConnectionIdAsync(socket);

        await SendAsync(socket, "{\"action\":\"echo\",\"padding\":\"" + new string('x', WebSocketApiFixture.MaxMessageBytes) + "\"}");

        var closing = await socket.ReceiveAsync(new byte[1024], new CancellationTokenSource(ReceiveTimeout).Token);
        Assert.Equal(WebSocketMessageType.Close, closing.MessageType);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, socket.CloseStatus);
        var disconnect = (await fixture.LoggedEventAsync("DISCONNECT", connectionId)).GetProperty("requestContext");
        Assert.Equal(1009, disconnect.GetProperty("disconnectStatusCode").GetInt32());
    }

    [Fact]
    public async Task AConnectionIdleForTheIdleTimeoutIsClosedAndDisconnectHearsWhy()
    {
        await using var emulator = await fixture.StartAsync(new WebSocketApiOptions { Port = 0, IdleTimeout = TimeSpan.FromSeconds(2) });
        using var socket = await ConnectAsync(emulator);
        var connectionId = await ConnectionIdAsync(socket);

        var closing = await socket.ReceiveAsync(new byte[1024], new CancellationTokenSource(ReceiveTimeout).Token);

        Assert.Equal(WebSocketMessageType.Close, closing.MessageType);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, socket.CloseStatus);
        var disconnect = (await fixture.LoggedEventAsync("DISCONNECT", connectionId)).GetProperty("requestContext");
        Assert.Equal(1001, disconnect.GetProperty("disconnectStatusCode").GetInt32());
        Assert.Contains("idle", disconnect.GetProperty("disconnectReason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClientThatVanishesIsDisconnectedAndPostsToItAnswerGone()
    {
        var socket = await ConnectAsync(fixture.Emulator);
        var connectionId = await ConnectionIdAsync(socket);

        socket.Abort();
        socket.Dispose();

        var disconnect = (await fixture.LoggedEventAsync("DISCONNECT", connectionId)).GetProperty("requestContext");
        Assert.Equal(1006, disconnect.GetProperty("disconnectStatusCode").GetInt32());
        using var gone = await fixture.Http.SendAsync(Signed(HttpMethod.Post, new Uri(fixture.Emulator.ManagementEndpoint + "/@connections/" + Uri.EscapeDataString(connectionId)), "anyone?"));
        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
    }

    [Fact]
    public async Task ConnectingMessagesAndManagementCallsHaveSpans()
    {
        using var socket = await ConnectAsync(fixture.Emulator);
        var connectionId = await ConnectionIdAsync(socket);
        using (await fixture.Http.SendAsync(Signed(HttpMethod.Post, new Uri(fixture.Emulator.ManagementEndpoint + "/@connections/" + Uri.EscapeDataString(connectionId)), "traced")))
        {
            await ReceiveAsync(socket);
        }

        var spans = fixture.Spans.Where(span => (string?)span.GetTagItem("aws.apigateway.connection_id") == connectionId).Select(span => span.DisplayName).ToList();
        Assert.Contains("WebSocket $connect", spans);
        Assert.Contains("WebSocket echo", spans);
        Assert.Contains("POST @connections", spans);
    }

    [Fact]
    public async Task TheApiKeepsApiGatewaysWebSocketMetrics()
    {
        using var recorder = new MeasurementRecorder(WebSocketApiMetrics.MeterName);
        var measurements = recorder.Measurements;
        double Sum(string instrument) => measurements.Where(measurement => measurement.Instrument == instrument).Sum(measurement => measurement.Value);

        using var socket = await ConnectAsync(fixture.Emulator);
        var connectionId = await ConnectionIdAsync(socket);
        await ExchangeAsync(socket, """{"action":"nope"}""");
        await ExchangeAsync(socket, """{"action":"throw"}""");
        using (await fixture.Http.SendAsync(Signed(HttpMethod.Post, new Uri(fixture.Emulator.ManagementEndpoint + "/@connections/" + Uri.EscapeDataString(connectionId)), "counted")))
        {
            await ReceiveAsync(socket);
        }
        recorder.RecordObservableInstruments();

        Assert.True(Sum("ConnectCount") >= 1);
        // From the client: echo, nope, throw; to it: the echo's answer and the post.
        Assert.True(Sum("MessageCount") >= 5, $"MessageCount {Sum("MessageCount")}");
        Assert.True(Sum("ClientError") >= 1);
        Assert.True(Sum("IntegrationError") >= 1);
        Assert.Contains(measurements, measurement => measurement.Instrument == "IntegrationLatency");
        Assert.Contains(measurements, measurement => measurement.Instrument == "Connections" && measurement.Value >= 1);
    }

    [Fact]
    public void SampleEventsCoverEveryRouteOfTheFunctionAndSelectTheirRoute()
    {
        var samples = fixture.Emulator.SampleEvents("test-function");

        Assert.Equal(WebSocketApiFixture.Api.Routes.Select(route => $"WebSocket {route.RouteKey}"), samples.Select(sample => sample.Title));
        var echo = samples.Single(sample => sample.Title == "WebSocket echo").Event;
        Assert.Equal("MESSAGE", (string?)echo["requestContext"]!["eventType"]);
        Assert.Equal("echo", JsonDocument.Parse((string)echo["body"]!).RootElement.GetProperty("action").GetString());
    }

    private static async Task<ClientWebSocket> ConnectAsync(WebSocketApiEmulator emulator, string query = "")
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(emulator.WebSocketUrl + query), new CancellationTokenSource(ReceiveTimeout).Token);
        return socket;
    }

    private static async Task<string> ConnectionIdAsync(ClientWebSocket socket) =>
        JsonDocument.Parse(await ExchangeAsync(socket, """{"action":"echo"}""")).RootElement.GetProperty("requestContext").GetProperty("connectionId").GetString()!;

    private static async Task<string> ExchangeAsync(ClientWebSocket socket, string message)
    {
        await SendAsync(socket, message);
        return await ReceiveAsync(socket);
    }

    private static Task SendAsync(ClientWebSocket socket, string message) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    private static async Task<string> ReceiveAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(ReceiveTimeout);
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        ValueWebSocketReceiveResult frame;
        do
        {
            frame = await socket.ReceiveAsync(chunk.AsMemory(), timeout.Token);
            Assert.NotEqual(WebSocketMessageType.Close, frame.MessageType);
            buffer.Write(chunk, 0, frame.Count);
        }
        while (!frame.EndOfMessage);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// A Management API request with a Signature Version 4 authorization header of the right form (the
    /// emulator checks its form and scope, not its HMAC: the function's signer is tested against AWS's example).
    /// </summary>
    private static HttpRequestMessage Signed(HttpMethod method, Uri url, string? body = null)
    {
        var request = new HttpRequestMessage(method, url) { Content = body is null ? null : new StringContent(body) };
        request.Headers.TryAddWithoutValidation("x-amz-date", DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("Authorization",
            "AWS4-HMAC-SHA256 Credential=local/20261201/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + new string('0', 64));
        return request;
    }
}
