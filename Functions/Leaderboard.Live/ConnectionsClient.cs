using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.Runtime.Internal.Auth;
using Microsoft.Extensions.Options;

namespace Leaderboard.Live;

/// <summary>What became of a message posted to a connection.</summary>
public enum PostOutcome
{
    Delivered,

    /// <summary>The connection is gone (410): its subscriptions can go too.</summary>
    Gone,

    Failed,
}

/// <summary>
/// API Gateway's Management API for the function's WebSocket API: <c>POST /@connections/{connectionId}</c>
/// sends a message to a client. Requests are signed with Signature Version 4 for <c>execute-api</c>
/// with the function's credentials, as AWS requires.
/// </summary>
public sealed partial class ConnectionsClient(HttpClient http, IOptions<LiveOptions> options, IConfiguration configuration, ILogger<ConnectionsClient> logger)
{
    private const string Service = "execute-api";
    private readonly Uri _endpoint = new(options.Value.ManagementEndpoint.TrimEnd('/') + "/");
    private readonly string _region = configuration["AWS_REGION"] is { Length: > 0 } region ? region : "us-east-1";
    private AWSCredentials? _credentials;

    /// <summary>Sends <paramref name="message"/> to the connection.</summary>
    public async Task<PostOutcome> PostAsync(string connectionId, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        // The credential chain is resolved once per client (an invocation's pushes share it); temporary credentials refresh themselves.
        _credentials ??= await DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync();
        var credentials = await _credentials.GetCredentialsAsync();
        var path = _endpoint.AbsolutePath + "@connections/" + Uri.EscapeDataString(connectionId);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_endpoint, path)) { Content = new ReadOnlyMemoryContent(message) };
        Sign(request, message.Span, credentials, _region, Service, DateTime.UtcNow);
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return PostOutcome.Delivered;
        }
        if (response.StatusCode == HttpStatusCode.Gone)
        {
            return PostOutcome.Gone;
        }
        LogPostFailed((int)response.StatusCode, connectionId, await response.Content.ReadAsStringAsync(cancellationToken));
        return PostOutcome.Failed;
    }

    /// <summary>
    /// Signs a request for <paramref name="service"/> with Signature Version 4: the canonical request (path segments encoded twice, as
    /// every service but S3 expects; the signed headers <c>host</c>, <c>x-amz-date</c> and, with temporary
    /// credentials, <c>x-amz-security-token</c>), then the SDK's key derivation and signature.
    /// </summary>
    internal static void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, ImmutableCredentials credentials, string region, string service, DateTime signedAt)
    {
        var uri = request.RequestUri!;
        var amzDate = signedAt.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = uri.IsDefaultPort ? uri.Host : uri.Authority,
            ["x-amz-date"] = amzDate,
        };
        if (request.Content?.Headers.ContentType is { } contentType)
        {
            headers["content-type"] = contentType.ToString();
        }
        if (credentials.UseToken)
        {
            headers["x-amz-security-token"] = credentials.Token;
        }
        var signedHeaders = string.Join(';', headers.Keys);
        var canonicalRequest = string.Join('\n',
            request.Method.Method,
            CanonicalPath(uri.AbsolutePath),
            CanonicalQuery(uri.Query),
            string.Concat(headers.Select(header => $"{header.Key}:{header.Value.Trim()}\n")),
            signedHeaders,
            Convert.ToHexStringLower(SHA256.HashData(body)));
        var signature = AWS4Signer.ComputeSignature(credentials, region, signedAt, service, signedHeaders, canonicalRequest);
        request.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
        if (credentials.UseToken)
        {
            request.Headers.TryAddWithoutValidation("x-amz-security-token", credentials.Token);
        }
        request.Headers.TryAddWithoutValidation("Authorization", signature.ForAuthorizationHeader);
    }

    /// <summary>Each segment of the decoded path encoded twice with the unreserved set of RFC 3986.</summary>
    internal static string CanonicalPath(string escapedPath) => string.Join('/', escapedPath.Split('/')
        .Select(segment => Uri.EscapeDataString(Uri.EscapeDataString(Uri.UnescapeDataString(segment)))));

    private static string CanonicalQuery(string query) => string.Join('&', query.TrimStart('?')
        .Split('&', StringSplitOptions.RemoveEmptyEntries)
        .Select(pair => pair.Split('=', 2))
        .Select(pair => (Name: Uri.EscapeDataString(Uri.UnescapeDataString(pair[0])), Value: Uri.EscapeDataString(Uri.UnescapeDataString(pair.Length > 1 ? pair[1] : ""))))
        .OrderBy(pair => pair.Name, StringComparer.Ordinal).ThenBy(pair => pair.Value, StringComparer.Ordinal)
        .Select(pair => $"{pair.Name}={pair.Value}"));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Posting to connection {ConnectionId} failed with {StatusCode}: {Body}")]
    private partial void LogPostFailed(int statusCode, string connectionId, string body);
}
