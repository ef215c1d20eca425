using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Functions.Hosting;

/// <summary>
/// A client of the Lambda Runtime API (version 2018-06-01): takes the next invocation, posts its
/// response or error, and reports init errors. It keeps one HTTP connection to the Runtime API and
/// reads every event into one reused buffer, so it serves one invocation at a time.
/// </summary>
/// <remarks>
/// A Runtime API that answers with an error status raises an <see cref="HttpRequestException"/>
/// whose <see cref="HttpRequestException.StatusCode"/> is set; an unreachable one raises it without.
/// </remarks>
public sealed class LambdaRuntimeClient : IDisposable
{
    private const string RequestIdHeader = "Lambda-Runtime-Aws-Request-Id";
    private const string DeadlineHeader = "Lambda-Runtime-Deadline-Ms";
    private const string FunctionArnHeader = "Lambda-Runtime-Invoked-Function-Arn";
    private const string TraceIdHeader = "Lambda-Runtime-Trace-Id";
    private const string ClientContextHeader = "Lambda-Runtime-Client-Context";
    private const string CognitoIdentityHeader = "Lambda-Runtime-Cognito-Identity";
    private const string ErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";
    private const int InitialPayloadBufferSize = 64 * 1024;

    private readonly HttpClient _http;
    private readonly Uri _nextInvocationUri;
    private readonly Uri _initErrorUri;
    private readonly string _invocationBase;
    private byte[] _payloadBuffer = new byte[InitialPayloadBufferSize];

    /// <summary>Creates a client for the Runtime API at <paramref name="runtimeApi"/> (<c>host:port</c>).</summary>
    public LambdaRuntimeClient(string runtimeApi)
    {
        ArgumentException.ThrowIfNullOrEmpty(runtimeApi);
        if (!Uri.TryCreate($"http://{runtimeApi}/2018-06-01/runtime/", UriKind.Absolute, out var runtimeBase))
        {
            throw new ArgumentException($"'{runtimeApi}' is not a Runtime API address (host:port).", nameof(runtimeApi));
        }
        _invocationBase = runtimeBase + "invocation/";
        _nextInvocationUri = new Uri(_invocationBase + "next");
        _initErrorUri = new Uri(runtimeBase, "init/error");
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            // No trace context on the Runtime API's calls: without a propagator the handler creates no
            // activity for them, which the telemetry would have to filter out again on every invocation.
            ActivityHeadersPropagator = null,
        })
        {
            // GET /next long-polls until an invocation arrives.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>Waits for the next invocation (<c>GET /runtime/invocation/next</c>).</summary>
    public async Task<LambdaInvocation> GetNextInvocationAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(_nextInvocationUri, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        var length = await ReadPayloadAsync(response.Content, cancellationToken);
        var headers = response.Headers.NonValidated;
        var deadline = Header(headers, DeadlineHeader) ?? throw MissingHeader(DeadlineHeader);
        return new LambdaInvocation
        {
            Payload = _payloadBuffer.AsMemory(0, length),
            RequestId = Header(headers, RequestIdHeader) ?? throw MissingHeader(RequestIdHeader),
            Deadline = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(deadline, NumberStyles.None, CultureInfo.InvariantCulture)),
            InvokedFunctionArn = Header(headers, FunctionArnHeader) ?? "",
            TraceId = Header(headers, TraceIdHeader),
            ClientContextJson = Header(headers, ClientContextHeader),
            CognitoIdentityJson = Header(headers, CognitoIdentityHeader),
        };
    }

    /// <summary>Posts an invocation's response (<c>POST /runtime/invocation/{requestId}/response</c>).</summary>
    public async Task SendResponseAsync(string requestId, ReadOnlyMemory<byte> response, CancellationToken cancellationToken)
    {
        using var content = new ReadOnlyMemoryContent(response);
        using var answer = await _http.PostAsync(InvocationUri(requestId, "response"), content, cancellationToken);
        await EnsureSuccessAsync(answer, cancellationToken);
    }

    /// <summary>Reports that an invocation failed (<c>POST /runtime/invocation/{requestId}/error</c>).</summary>
    public Task SendErrorAsync(string requestId, LambdaError error, CancellationToken cancellationToken) =>
        PostErrorAsync(InvocationUri(requestId, "error"), error, cancellationToken);

    /// <summary>Reports that the function could not start (<c>POST /runtime/init/error</c>).</summary>
    public Task SendInitErrorAsync(LambdaError error, CancellationToken cancellationToken) =>
        PostErrorAsync(_initErrorUri, error, cancellationToken);

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private async Task PostErrorAsync(Uri uri, LambdaError error, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(error, LambdaJsonContext.Default.LambdaError))
            {
                Headers = { ContentType = new MediaTypeHeaderValue("application/json") },
            },
        };
        request.Headers.TryAddWithoutValidation(ErrorTypeHeader, error.ErrorType);
        using var answer = await _http.SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(answer, cancellationToken);
    }

    private Uri InvocationUri(string requestId, string action) =>
        new(string.Concat(_invocationBase, Uri.EscapeDataString(requestId), "/", action));

    private async Task<int> ReadPayloadAsync(HttpContent content, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is { } expected && expected > _payloadBuffer.Length)
        {
            _payloadBuffer = new byte[expected];
        }
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var length = 0;
        while (true)
        {
            if (length == _payloadBuffer.Length)
            {
                Array.Resize(ref _payloadBuffer, _payloadBuffer.Length * 2);
            }
            var read = await stream.ReadAsync(_payloadBuffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                return length;
            }
            length += read;
        }
    }

    private static string? Header(HttpHeadersNonValidated headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.ToString() : null;

    private static InvalidOperationException MissingHeader(string name) =>
        new($"The Runtime API's invocation lacks the '{name}' header.");

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        throw new HttpRequestException(
            $"The Lambda Runtime API answered {(int)response.StatusCode} to {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath}: {body}",
            inner: null,
            response.StatusCode);
    }
}
