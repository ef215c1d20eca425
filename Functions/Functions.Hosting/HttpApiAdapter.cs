using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Functions.Hosting;

/// <summary>API Gateway payload format 2.0 (HTTP API).</summary>
internal sealed class HttpApiAdapter : ApiGatewayAdapter
{
    private const string DefaultStage = "$default";

    public override LambdaHttpFeatures ReadRequest(ReadOnlySpan<byte> payload, LambdaContext context, CancellationToken cancellationToken)
    {
        var request = JsonSerializer.Deserialize(payload, LambdaJsonContext.Default.ApiGatewayRequestV2)
            ?? throw new JsonException("The event is not an API Gateway request in payload format 2.0.");
        var http = request.RequestContext?.Http;
        var rawPath = request.RawPath is { Length: > 0 } path ? path : http?.Path ?? "/";
        var (rawPathBase, rawRoutePath) = SplitStage(rawPath, request.RequestContext?.Stage);
        var query = string.IsNullOrEmpty(request.RawQueryString) ? "" : "?" + request.RawQueryString;
        IHeaderDictionary headers = new HeaderDictionary();
        if (request.Headers is not null)
        {
            foreach (var (name, value) in request.Headers)
            {
                headers.Append(name, value);
            }
        }
        if (request.Cookies is { Count: > 0 } cookies)
        {
            headers.Cookie = string.Join("; ", cookies);
        }
        var features = new LambdaHttpFeatures(request, context, cancellationToken)
        {
            Method = http?.Method ?? HttpMethods.Get,
            Protocol = http?.Protocol ?? "HTTP/1.1",
            PathBase = DecodePath(rawPathBase),
            Path = DecodePath(rawRoutePath),
            QueryString = query,
            RawTarget = rawPath + query,
            RequestHeaders = headers,
        };
        ReadCommon(features, request.Body, request.IsBase64Encoded, http?.SourceIp, request.RequestContext?.RequestId);
        return features;
    }

    public override ReadOnlyMemory<byte> WriteResponse(LambdaHttpFeatures response)
    {
        var headers = new Dictionary<string, string>(response.ResponseHeaders.Count);
        List<string>? cookies = null;
        foreach (var (name, values) in response.ResponseHeaders)
        {
            if (string.Equals(name, HeaderNames.SetCookie, StringComparison.OrdinalIgnoreCase))
            {
                (cookies ??= []).AddRange(values.OfType<string>());
            }
            else
            {
                headers[name] = values.ToString();
            }
        }
        var (body, isBase64Encoded) = EncodeBody(response);
        return Buffer.Serialize(
            new ApiGatewayResponseV2
            {
                StatusCode = response.StatusCode,
                Headers = headers,
                Cookies = cookies,
                Body = body,
                IsBase64Encoded = isBase64Encoded,
            },
            LambdaJsonContext.Default.ApiGatewayResponseV2);
    }

    public override byte[] GetRequestEvent(string pathAndQuery)
    {
        var (path, query) = SplitQuery(pathAndQuery);
        return JsonSerializer.SerializeToUtf8Bytes(
            new ApiGatewayRequestV2
            {
                Version = "2.0",
                RouteKey = DefaultStage,
                RawPath = path,
                RawQueryString = query,
                Headers = new Dictionary<string, string>(),
                RequestContext = new ApiGatewayRequestContextV2
                {
                    Http = new ApiGatewayHttpV2 { Method = HttpMethods.Get, Path = path, Protocol = "HTTP/1.1", SourceIp = "127.0.0.1" },
                    RouteKey = DefaultStage,
                    Stage = DefaultStage,
                },
            },
            LambdaJsonContext.Default.ApiGatewayRequestV2);
    }

    /// <summary>
    /// Moves a named stage that leads the path (<c>/prod/players</c> on stage <c>prod</c>) into the
    /// path base, so routes match as they do behind the <c>$default</c> stage.
    /// </summary>
    private static (string PathBase, string Path) SplitStage(string rawPath, string? stage)
    {
        if (string.IsNullOrEmpty(stage) || stage == DefaultStage
            || rawPath.Length <= stage.Length || rawPath[0] != '/'
            || !rawPath.AsSpan(1).StartsWith(stage, StringComparison.Ordinal))
        {
            return ("", rawPath);
        }
        var rest = rawPath[(stage.Length + 1)..];
        return rest.Length == 0 ? (rawPath, "/")
            : rest[0] == '/' ? (rawPath[..(stage.Length + 1)], rest)
            : ("", rawPath);
    }
}
