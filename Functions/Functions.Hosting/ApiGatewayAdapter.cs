using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Functions.Hosting;

/// <summary>
/// Turns an API Gateway event into the features of an HTTP request, and the response the pipeline
/// produced into the API Gateway response of the same payload format.
/// </summary>
internal abstract class ApiGatewayAdapter
{
    private static readonly string[] TextualApplicationTypes = ["application/json", "application/xml", "application/javascript"];

    /// <summary>Reads the event in <paramref name="payload"/> into a request.</summary>
    public abstract LambdaHttpFeatures ReadRequest(ReadOnlySpan<byte> payload, LambdaContext context, CancellationToken cancellationToken);

    /// <summary>The API Gateway response for what the pipeline answered, valid until the next call.</summary>
    public abstract ReadOnlyMemory<byte> WriteResponse(LambdaHttpFeatures response);

    /// <summary>
    /// The event API Gateway would send for <c>GET <paramref name="pathAndQuery"/></c> (a path with an
    /// optional query string, no stage, no authorizer), in this payload format.
    /// </summary>
    public abstract byte[] GetRequestEvent(string pathAndQuery);

    protected ResponseBuffer Buffer { get; } = new();

    /// <summary>
    /// True when a body of this content type travels as text: <c>text/*</c>, JSON, XML and
    /// JavaScript, <c>+json</c> and <c>+xml</c> types, in UTF-8 (or without a charset). Anything
    /// else, including a body without a content type, travels base64-encoded.
    /// </summary>
    internal static bool IsText(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType) || !MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            return false;
        }
        var textual = mediaType.Type.Equals("text", StringComparison.OrdinalIgnoreCase)
            || TextualApplicationTypes.Any(type => mediaType.MediaType.Equals(type, StringComparison.OrdinalIgnoreCase))
            || mediaType.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase)
            || mediaType.Suffix.Equals("xml", StringComparison.OrdinalIgnoreCase);
        return textual && (!mediaType.Charset.HasValue
            || mediaType.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            || mediaType.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)
            || mediaType.Charset.Equals("us-ascii", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The response body as API Gateway takes it: empty, text, or base64 with the flag set.</summary>
    protected static (string Body, bool IsBase64Encoded) EncodeBody(LambdaHttpFeatures response)
    {
        var body = response.ResponseBody;
        if (body.IsEmpty)
        {
            return ("", false);
        }
        return IsText(response.ResponseHeaders.ContentType)
            ? (Encoding.UTF8.GetString(body), false)
            : (Convert.ToBase64String(body), true);
    }

    /// <summary>
    /// Fills in what both payload formats carry the same way: the body (decoded from base64 when
    /// flagged, with a matching <c>Content-Length</c>), the scheme the client used, the caller's
    /// address, the request id, and — when the request carries no <c>traceparent</c> — the invocation's
    /// trace (Lambda's trace header), so the request's spans continue whoever invoked the function.
    /// </summary>
    protected static void ReadCommon(LambdaHttpFeatures request, string? body, bool isBase64Encoded, string? sourceIp, string? requestId)
    {
        var bytes = string.IsNullOrEmpty(body) ? []
            : isBase64Encoded ? Convert.FromBase64String(body)
            : Encoding.UTF8.GetBytes(body);
        request.RequestBody = new MemoryStream(bytes, writable: false);
        request.CanHaveBody = bytes.Length > 0;
        if (bytes.Length > 0 || request.RequestHeaders.ContentLength is not null)
        {
            request.RequestHeaders.ContentLength = bytes.Length;
        }
        if (request.RequestHeaders["X-Forwarded-Proto"] is [{ Length: > 0 } scheme])
        {
            request.Scheme = scheme;
        }
        request.RemoteIpAddress = IPAddress.TryParse(sourceIp, out var address) ? address : null;
        request.TraceIdentifier = requestId ?? request.Context.AwsRequestId;
        if (request.RequestHeaders.TraceParent.Count == 0 && LambdaTracing.ParseTraceHeader(request.Context.TraceId) is { } invoker && invoker != default)
        {
            var flags = invoker.TraceFlags.HasFlag(System.Diagnostics.ActivityTraceFlags.Recorded) ? "01" : "00";
            request.RequestHeaders.TraceParent = $"00-{invoker.TraceId}-{invoker.SpanId}-{flags}";
        }
        request.ConnectionId = request.Context.AwsRequestId;
    }

    /// <summary>Splits <c>/path?query</c> into the path and the query string without its <c>?</c>.</summary>
    protected static (string Path, string Query) SplitQuery(string pathAndQuery)
    {
        var mark = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        return mark < 0 ? (pathAndQuery, "") : (pathAndQuery[..mark], pathAndQuery[(mark + 1)..]);
    }

    /// <summary>Decodes a raw path as Kestrel does: every escape but <c>%2F</c>, which would change the segments.</summary>
    protected static string DecodePath(string rawPath) => PathString.FromUriComponent(rawPath).Value ?? "";
}
