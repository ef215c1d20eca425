using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace AppHost.Emulators.ApiGateway;

/// <summary>An incoming request as the gateway saw it, ready to become a proxy event.</summary>
internal sealed record GatewayRequest(
    string Method,
    string Path,
    string StagePath,
    string RawQueryString,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    byte[] Body,
    string SourceIp,
    string Protocol,
    string RequestId,
    DateTimeOffset Time,
    string DomainName,
    string Stage,
    string ApiId,
    RouteMatch Match,
    IReadOnlyDictionary<string, string>? JwtClaims,
    IReadOnlyList<string>? JwtScopes,
    string? ApiKey);

/// <summary>
/// Writes Lambda proxy integration events exactly as API Gateway shapes them: payload format 2.0 for
/// HTTP APIs and 1.0 for REST APIs.
/// </summary>
internal static class ProxyEvents
{
    /// <summary>Payload format 2.0: lower-cased, comma-joined headers; cookies apart; raw path and query.</summary>
    public static byte[] WriteHttpApiEvent(GatewayRequest request)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("version", "2.0");
            json.WriteString("routeKey", request.Match.Route.RouteKey);
            json.WriteString("rawPath", request.StagePath);
            json.WriteString("rawQueryString", request.RawQueryString);

            var cookies = request.Headers.Where(header => IsHeader(header, "cookie"))
                .SelectMany(header => header.Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .ToList();
            if (cookies.Count > 0)
            {
                json.WriteStartArray("cookies");
                cookies.ForEach(json.WriteStringValue);
                json.WriteEndArray();
            }
            json.WriteStartObject("headers");
            foreach (var group in request.Headers.Where(header => !IsHeader(header, "cookie"))
                         .GroupBy(header => header.Key.ToLowerInvariant()))
            {
                json.WriteString(group.Key, string.Join(',', group.Select(header => header.Value)));
            }
            json.WriteEndObject();

            var query = QueryHelpers.ParseQuery(request.RawQueryString);
            if (query.Count > 0)
            {
                json.WriteStartObject("queryStringParameters");
                foreach (var (name, values) in query)
                {
                    json.WriteString(name, string.Join(',', values.ToArray()));
                }
                json.WriteEndObject();
            }
            WritePathParameters(json, request);

            json.WriteStartObject("requestContext");
            json.WriteString("accountId", Lambda.LambdaLimits.AccountId);
            json.WriteString("apiId", request.ApiId);
            if (request.JwtClaims is not null)
            {
                json.WriteStartObject("authorizer");
                json.WriteStartObject("jwt");
                json.WriteStartObject("claims");
                foreach (var (name, value) in request.JwtClaims)
                {
                    json.WriteString(name, value);
                }
                json.WriteEndObject();
                json.WriteStartArray("scopes");
                foreach (var scope in request.JwtScopes ?? [])
                {
                    json.WriteStringValue(scope);
                }
                json.WriteEndArray();
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteString("domainName", request.DomainName);
            json.WriteString("domainPrefix", request.DomainName.Split('.')[0]);
            json.WriteStartObject("http");
            json.WriteString("method", request.Method);
            json.WriteString("path", request.StagePath);
            json.WriteString("protocol", request.Protocol);
            json.WriteString("sourceIp", request.SourceIp);
            json.WriteString("userAgent", HeaderValue(request, "user-agent") ?? "");
            json.WriteEndObject();
            json.WriteString("requestId", request.RequestId);
            json.WriteString("routeKey", request.Match.Route.RouteKey);
            json.WriteString("stage", request.Stage);
            json.WriteString("time", request.Time.ToString("dd/MMM/yyyy:HH:mm:ss +0000", CultureInfo.InvariantCulture));
            json.WriteNumber("timeEpoch", request.Time.ToUnixTimeMilliseconds());
            json.WriteEndObject();

            WriteBody(json, request);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Payload format 1.0: headers with their casing, single- and multi-value maps, resource path.</summary>
    /// <summary>
    /// <c>headers</c> (the last value of each name) and <c>multiValueHeaders</c> (every value), as payload
    /// format 1.0 and WebSocket events carry them.
    /// </summary>
    internal static void WriteSingleAndMultiValueHeaders(Utf8JsonWriter json, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var groups = headers.GroupBy(header => header.Key, StringComparer.OrdinalIgnoreCase).ToList();
        json.WriteStartObject("headers");
        foreach (var group in groups)
        {
            json.WriteString(group.Key, group.Last().Value);
        }
        json.WriteEndObject();
        json.WriteStartObject("multiValueHeaders");
        foreach (var group in groups)
        {
            json.WriteStartArray(group.Key);
            foreach (var header in group)
            {
                json.WriteStringValue(header.Value);
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    /// <summary>
    /// <c>queryStringParameters</c> (the last value of each name) and <c>multiValueQueryStringParameters</c>,
    /// as payload format 1.0 and WebSocket events carry them; false, writing nothing, when the query is empty.
    /// </summary>
    internal static bool WriteSingleAndMultiValueQuery(Utf8JsonWriter json, string rawQueryString)
    {
        var query = QueryHelpers.ParseQuery(rawQueryString);
        if (query.Count == 0)
        {
            return false;
        }
        json.WriteStartObject("queryStringParameters");
        foreach (var (name, values) in query)
        {
            json.WriteString(name, values[^1]);
        }
        json.WriteEndObject();
        json.WriteStartObject("multiValueQueryStringParameters");
        foreach (var (name, values) in query)
        {
            json.WriteStartArray(name);
            foreach (var value in values)
            {
                json.WriteStringValue(value);
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
        return true;
    }

    public static byte[] WriteRestApiEvent(GatewayRequest request)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            var resource = request.Match.Route.Path == AppHost.Definition.RouteDefinition.DefaultRouteKey ? "/{proxy+}" : request.Match.Route.Path;
            json.WriteString("resource", resource);
            json.WriteString("path", request.Path);
            json.WriteString("httpMethod", request.Method);

            WriteSingleAndMultiValueHeaders(json, request.Headers);
            if (!WriteSingleAndMultiValueQuery(json, request.RawQueryString))
            {
                json.WriteNull("queryStringParameters");
                json.WriteNull("multiValueQueryStringParameters");
            }
            if (request.Match.PathParameters.Count == 0)
            {
                json.WriteNull("pathParameters");
            }
            else
            {
                WritePathParameters(json, request);
            }
            json.WriteNull("stageVariables");

            json.WriteStartObject("requestContext");
            json.WriteString("accountId", Lambda.LambdaLimits.AccountId);
            json.WriteString("apiId", request.ApiId);
            json.WriteString("resourceId", "local");
            json.WriteString("resourcePath", resource);
            json.WriteString("httpMethod", request.Method);
            json.WriteString("extendedRequestId", request.RequestId);
            json.WriteString("requestTime", request.Time.ToString("dd/MMM/yyyy:HH:mm:ss +0000", CultureInfo.InvariantCulture));
            json.WriteString("path", request.StagePath);
            json.WriteString("protocol", request.Protocol);
            json.WriteString("stage", request.Stage);
            json.WriteString("domainName", request.DomainName);
            json.WriteNumber("requestTimeEpoch", request.Time.ToUnixTimeMilliseconds());
            json.WriteString("requestId", request.RequestId);
            json.WriteStartObject("identity");
            json.WriteString("sourceIp", request.SourceIp);
            json.WriteString("userAgent", HeaderValue(request, "user-agent") ?? "");
            if (request.ApiKey is { } apiKey)
            {
                json.WriteString("apiKey", apiKey);
            }
            else
            {
                json.WriteNull("apiKey");
            }
            json.WriteEndObject();
            json.WriteEndObject();

            WriteBody(json, request);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WritePathParameters(Utf8JsonWriter json, GatewayRequest request)
    {
        if (request.Match.PathParameters.Count == 0)
        {
            return;
        }
        json.WriteStartObject("pathParameters");
        foreach (var (name, value) in request.Match.PathParameters)
        {
            json.WriteString(name, value);
        }
        json.WriteEndObject();
    }

    private static void WriteBody(Utf8JsonWriter json, GatewayRequest request)
    {
        if (request.Body.Length == 0)
        {
            json.WriteNull("body");
            json.WriteBoolean("isBase64Encoded", false);
            return;
        }
        var text = IsTextContent(HeaderValue(request, "content-type"));
        if (text)
        {
            json.WriteString("body", Encoding.UTF8.GetString(request.Body));
        }
        else
        {
            json.WriteBase64String("body", request.Body);
        }
        json.WriteBoolean("isBase64Encoded", !text);
    }

    /// <summary>Text content travels as is; anything else is base64-encoded.</summary>
    public static bool IsTextContent(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return true;
        }
        var mediaType = contentType.Split(';')[0].Trim().ToLowerInvariant();
        return mediaType.StartsWith("text/", StringComparison.Ordinal)
            || mediaType is "application/json" or "application/xml" or "application/javascript" or "application/x-www-form-urlencoded"
            || mediaType.EndsWith("+json", StringComparison.Ordinal)
            || mediaType.EndsWith("+xml", StringComparison.Ordinal);
    }

    private static string? HeaderValue(GatewayRequest request, string name) =>
        request.Headers.FirstOrDefault(header => IsHeader(header, name)).Value;

    private static bool IsHeader(KeyValuePair<string, string> header, string name) =>
        string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase);
}
