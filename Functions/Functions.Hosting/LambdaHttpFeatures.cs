using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Functions.Hosting;

/// <summary>
/// The features of one HTTP request carried by a Lambda invocation: the request read from the API
/// Gateway event, a response kept in memory until the pipeline is done (its headers freeze when
/// the body starts, as on a real server), the caller's address, the request id, and a lifetime that
/// ends when the invocation's token fires.
/// </summary>
internal sealed class LambdaHttpFeatures :
    IHttpRequestFeature,
    IHttpRequestBodyDetectionFeature,
    IHttpResponseFeature,
    IHttpResponseBodyFeature,
    IHttpConnectionFeature,
    IHttpRequestIdentifierFeature,
    IHttpRequestLifetimeFeature,
    ILambdaInvocationFeature,
    IDisposable
{
    private readonly CancellationTokenSource _aborted;
    private readonly MemoryStream _responseBody = new();
    private readonly ResponseBodyStream _responseStream;
    private List<KeyValuePair<Func<object, Task>, object>>? _onStarting;
    private List<KeyValuePair<Func<object, Task>, object>>? _onCompleted;
    private PipeWriter? _writer;
    private bool _starting;
    private bool _discardingWrites;

    public LambdaHttpFeatures(object apiGatewayEvent, LambdaContext context, CancellationToken invocationToken)
    {
        ApiGatewayEvent = apiGatewayEvent;
        Context = context;
        _aborted = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
        RequestAborted = _aborted.Token;
        _responseStream = new ResponseBodyStream(this);
        Features = new FeatureCollection(initialCapacity: 8);
        Features.Set<IHttpRequestFeature>(this);
        Features.Set<IHttpRequestBodyDetectionFeature>(this);
        Features.Set<IHttpResponseFeature>(this);
        Features.Set<IHttpResponseBodyFeature>(this);
        Features.Set<IHttpConnectionFeature>(this);
        Features.Set<IHttpRequestIdentifierFeature>(this);
        Features.Set<IHttpRequestLifetimeFeature>(this);
        Features.Set<ILambdaInvocationFeature>(this);
    }

    /// <summary>The collection handed to <c>IHttpApplication.CreateContext</c>.</summary>
    public IFeatureCollection Features { get; }

    public LambdaContext Context { get; }

    public object ApiGatewayEvent { get; }

    public string Protocol { get; set; } = "HTTP/1.1";

    public string Scheme { get; set; } = "https";

    public string Method { get; set; } = HttpMethods.Get;

    public string PathBase { get; set; } = "";

    public string Path { get; set; } = "/";

    public string QueryString { get; set; } = "";

    public string RawTarget { get; set; } = "/";

    public IHeaderDictionary RequestHeaders { get; set; } = new HeaderDictionary();

    public Stream RequestBody { get; set; } = Stream.Null;

    public bool CanHaveBody { get; set; }

    public int StatusCode { get; set; } = StatusCodes.Status200OK;

    public string? ReasonPhrase { get; set; }

    public IHeaderDictionary ResponseHeaders { get; set; } = new HeaderDictionary();

    public bool HasStarted { get; private set; }

    /// <summary>Everything the application wrote to the response body.</summary>
    public ReadOnlySpan<byte> ResponseBody => _responseBody.GetBuffer().AsSpan(0, (int)_responseBody.Length);

    public PipeWriter Writer => _writer ??= PipeWriter.Create(_responseStream, new StreamPipeWriterOptions(leaveOpen: true));

    public string ConnectionId { get; set; } = "";

    public IPAddress? RemoteIpAddress { get; set; }

    public IPAddress? LocalIpAddress { get; set; }

    public int RemotePort { get; set; }

    public int LocalPort { get; set; }

    public string TraceIdentifier { get; set; } = "";

    public CancellationToken RequestAborted { get; set; }

    IHeaderDictionary IHttpRequestFeature.Headers
    {
        get => RequestHeaders;
        set => RequestHeaders = value;
    }

    Stream IHttpRequestFeature.Body
    {
        get => RequestBody;
        set => RequestBody = value;
    }

    IHeaderDictionary IHttpResponseFeature.Headers
    {
        get => ResponseHeaders;
        set => ResponseHeaders = value;
    }

    Stream IHttpResponseFeature.Body
    {
        get => _responseStream;
        set => throw new NotSupportedException("Replace the response body through IHttpResponseBodyFeature.");
    }

    Stream IHttpResponseBodyFeature.Stream => _responseStream;

    public void OnStarting(Func<object, Task> callback, object state)
    {
        if (HasStarted)
        {
            throw new InvalidOperationException("The response has already started.");
        }
        (_onStarting ??= []).Add(new(callback, state));
    }

    public void OnCompleted(Func<object, Task> callback, object state) =>
        (_onCompleted ??= []).Add(new(callback, state));

    public void Abort() => _aborted.Cancel();

    public void DisableBuffering()
    {
    }

    public Task StartAsync(CancellationToken cancellationToken = default) =>
        HasStarted || _starting ? Task.CompletedTask : StartResponseAsync();

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        SendFileFallback.SendFileAsync(_responseStream, path, offset, count, cancellationToken);

    public async Task CompleteAsync()
    {
        if (_writer is not null)
        {
            await _writer.FlushAsync();
        }
        await StartAsync();
    }

    /// <summary>Flushes what the application left buffered and starts the response if it never wrote.</summary>
    public async Task CompleteResponseAsync()
    {
        if (_writer is not null)
        {
            await _writer.CompleteAsync();
        }
        await StartAsync();
    }

    /// <summary>Drops whatever the application produced and answers 500 with an empty body.</summary>
    public async Task ReplaceWithServerErrorAsync()
    {
        _discardingWrites = true;
        if (_writer is not null)
        {
            await _writer.CompleteAsync();
        }
        _responseBody.SetLength(0);
        StatusCode = StatusCodes.Status500InternalServerError;
        ReasonPhrase = null;
        ResponseHeaders = new HeaderDictionary();
    }

    /// <summary>Runs the <c>OnCompleted</c> callbacks, latest first; one that throws does not stop the others.</summary>
    public async Task RunOnCompletedAsync(Action<Exception> onError)
    {
        if (_onCompleted is null)
        {
            return;
        }
        for (var index = _onCompleted.Count - 1; index >= 0; index--)
        {
            try
            {
                await _onCompleted[index].Key(_onCompleted[index].Value);
            }
            catch (Exception exception)
            {
                onError(exception);
            }
        }
    }

    public void Dispose()
    {
        _aborted.Dispose();
        _responseBody.Dispose();
    }

    private async Task StartResponseAsync()
    {
        _starting = true;
        if (_onStarting is not null)
        {
            for (var index = _onStarting.Count - 1; index >= 0; index--)
            {
                await _onStarting[index].Key(_onStarting[index].Value);
            }
        }
        HasStarted = true;
        if (ResponseHeaders is HeaderDictionary headers)
        {
            headers.IsReadOnly = true;
        }
    }

    private async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_discardingWrites)
        {
            return;
        }
        await StartAsync(cancellationToken);
        _responseBody.Write(buffer.Span);
    }

    /// <summary>The response body stream: writes start the response, then land in memory.</summary>
    private sealed class ResponseBodyStream(LambdaHttpFeatures features) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush() => features.StartAsync().GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken) => features.StartAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) =>
            features.WriteAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            features.WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            features.WriteAsync(buffer, cancellationToken);
    }
}
