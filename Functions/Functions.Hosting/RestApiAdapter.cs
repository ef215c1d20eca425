using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace Functions.Hosting;

/// <summary>API Gateway payload format 1.0 (REST API proxy integration).</summary>
internal sealed class RestApiAdapter : ApiGatewayAdapter
{
    public override LambdaHttpFeatures ReadRequest(ReadOnlySpan<byte> payload, LambdaContext context, CancellationToken cancellationToken)
    {
        var request = JsonSerializer.Deserialize(payload, LambdaJsonContext.Default.ApiGatewayRequestV1)
            ?? throw new JsonException("The event is not an API Gateway request in payload format 1.0.");
        var requestContext = request.RequestContext;
        var rawPath = request.Path is { Length: > 0 } path ? path : "/";
        var rawFullPath = requestContext?.Path is { Length: > 0 } fullPath ? fullPath : rawPath;
        var query = QueryStringOf(request).Value ?? "";
        var features = new LambdaHttpFeatures(request, context, cancellationToken)
        {
            Method = request.HttpMethod ?? requestContext?.HttpMethod ?? HttpMethods.Get,
            Protocol = requestContext?.Protocol ?? "HTTP/1.1",
            PathBase = DecodePath(PathBaseOf(rawFullPath, rawPath)),
            Path = DecodePath(rawPath),
            QueryString = query,
            RawTarget = rawFullPath + query,
            RequestHeaders = HeadersOf(request),
        };
        ReadCommon(features, request.Body, request.IsBase64Encoded, requestContext?.Identity?.SourceIp, requestContext?.RequestId);
        return features;
    }

    public override ReadOnlyMemory<byte> WriteResponse(LambdaHttpFeatures response)
    {
        var headers = new Dictionary<string, string>(response.ResponseHeaders.Count);
        var multiValueHeaders = new Dictionary<string, IReadOnlyList<string>>(response.ResponseHeaders.Count);
        foreach (var (name, values) in response.ResponseHeaders)
        {
            // API Gateway merges both maps; the last value in headers is also in multiValueHeaders, so it is not repeated.
            headers[name] = values[^1] ?? "";
            multiValueHeaders[name] = values.OfType<string>().ToArray();
        }
        var (body, isBase64Encoded) = EncodeBody(response);
        return Buffer.Serialize(
            new ApiGatewayResponseV1
            {
                StatusCode = response.StatusCode,
                Headers = headers,
                MultiValueHeaders = multiValueHeaders,
                Body = body,
                IsBase64Encoded = isBase64Encoded,
            },
            LambdaJsonContext.Default.ApiGatewayResponseV1);
    }

    public override byte[] GetRequestEvent(string pathAndQuery)
    {
        var (path, query) = SplitQuery(pathAndQuery);
        var parameters = QueryHelpers.ParseQuery(query);
        return JsonSerializer.SerializeToUtf8Bytes(
            new ApiGatewayRequestV1
            {
                Version = "1.0",
                Resource = path,
                Path = path,
                HttpMethod = HttpMethods.Get,
                QueryStringParameters = parameters.Count == 0 ? null
                    : parameters.ToDictionary(parameter => parameter.Key, parameter => parameter.Value[^1] ?? ""),
                MultiValueQueryStringParameters = parameters.Count == 0 ? null
                    : parameters.ToDictionary(parameter => parameter.Key, parameter => (IReadOnlyList<string>)parameter.Value.OfType<string>().ToArray()),
                RequestContext = new ApiGatewayRequestContextV1
                {
                    HttpMethod = HttpMethods.Get,
                    Path = path,
                    Protocol = "HTTP/1.1",
                    Identity = new ApiGatewayIdentityV1 { SourceIp = "127.0.0.1" },
                },
            },
            LambdaJsonContext.Default.ApiGatewayRequestV1);
    }

    /// <summary>
    /// What <c>requestContext.path</c> (the full path) has in front of <c>path</c> (the resource
    /// path): the stage, or a custom domain's base path.
    /// </summary>
    private static string PathBaseOf(string rawFullPath, string rawPath)
    {
        if (rawFullPath.Length > rawPath.Length && rawFullPath.EndsWith(rawPath, StringComparison.Ordinal))
        {
            return rawFullPath[..^rawPath.Length];
        }
        return rawPath == "/" && rawFullPath != "/" ? rawFullPath : "";
    }

    private static QueryString QueryStringOf(ApiGatewayRequestV1 request)
    {
        if (request.MultiValueQueryStringParameters is { Count: > 0 } multiValue)
        {
            return QueryString.Create(multiValue.Select(parameter =>
                KeyValuePair.Create(parameter.Key, new StringValues(parameter.Value.ToArray()))));
        }
        if (request.QueryStringParameters is { Count: > 0 } singleValue)
        {
            return QueryString.Create(singleValue.Select(parameter => KeyValuePair.Create(parameter.Key, (string?)parameter.Value)));
        }
        return QueryString.Empty;
    }

    private static HeaderDictionary HeadersOf(ApiGatewayRequestV1 request)
    {
        var headers = new HeaderDictionary();
        if (request.MultiValueHeaders is { Count: > 0 } multiValue)
        {
            foreach (var (name, values) in multiValue)
            {
                headers.Append(name, new StringValues(values.ToArray()));
            }
        }
        else if (request.Headers is not null)
        {
            foreach (var (name, value) in request.Headers)
            {
                headers.Append(name, value);
            }
        }
        return headers;
    }
}
