using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Functions.Hosting.Tests;

/// <summary>A request as a client sends it through API Gateway; each payload format writes it as its own event.</summary>
public sealed record GatewayRequest
{
    public string Method { get; init; } = "GET";

    /// <summary>The path after the stage, percent-encoded as the client sent it.</summary>
    public string Path { get; init; } = "/";

    public string Stage { get; init; } = "$default";

    /// <summary>Decoded query parameters in order; a key may repeat.</summary>
    public IReadOnlyList<(string Name, string Value)> Query { get; init; } = [];

    /// <summary>Headers in order; a name may repeat.</summary>
    public IReadOnlyList<(string Name, string Value)> Headers { get; init; } = [];

    /// <summary><c>name=value</c> pairs.</summary>
    public IReadOnlyList<string> Cookies { get; init; } = [];

    public byte[]? Body { get; init; }

    public bool IsBase64Encoded { get; init; }

    public string RequestId { get; init; } = "gateway-request-1";

    public string SourceIp { get; init; } = "203.0.113.7";

    public string? BodyAsEventString => Body is null ? null
        : IsBase64Encoded ? Convert.ToBase64String(Body)
        : Encoding.UTF8.GetString(Body);

    public string RawQueryString => string.Join("&", Query.Select(parameter =>
        $"{Uri.EscapeDataString(parameter.Name)}={Uri.EscapeDataString(parameter.Value)}"));
}

/// <summary>An API Gateway response read into one shape, whatever the payload format.</summary>
public sealed record GatewayResponse(
    int StatusCode,
    IReadOnlyDictionary<string, string[]> Headers,
    IReadOnlyList<string> SetCookies,
    string Body,
    bool IsBase64Encoded,
    JsonElement Raw)
{
    public byte[] BodyBytes => IsBase64Encoded ? Convert.FromBase64String(Body) : Encoding.UTF8.GetBytes(Body);

    public T ReadJsonBody<T>() =>
        JsonSerializer.Deserialize<T>(BodyBytes, JsonSerializerOptions.Web) ?? throw new InvalidOperationException("The body is null.");
}

/// <summary>Writes requests as payload format 2.0 events and reads 2.0 responses, following the HTTP API documentation.</summary>
public static class HttpApiMessages
{
    public static string ToEvent(GatewayRequest request)
    {
        var rawPath = request.Stage == "$default" ? request.Path : $"/{request.Stage}{request.Path}";
        var headers = new JsonObject();
        foreach (var group in request.Headers.GroupBy(header => header.Name.ToLowerInvariant()))
        {
            headers[group.Key] = string.Join(",", group.Select(header => header.Value));
        }
        var query = new JsonObject();
        foreach (var group in request.Query.GroupBy(parameter => parameter.Name))
        {
            query[group.Key] = string.Join(",", group.Select(parameter => parameter.Value));
        }
        var lambdaEvent = new JsonObject
        {
            ["version"] = "2.0",
            ["routeKey"] = "$default",
            ["rawPath"] = rawPath,
            ["rawQueryString"] = request.RawQueryString,
            ["headers"] = headers,
            ["requestContext"] = new JsonObject
            {
                ["accountId"] = "123456789012",
                ["apiId"] = "api-id",
                ["domainName"] = "api-id.execute-api.us-east-1.amazonaws.com",
                ["domainPrefix"] = "api-id",
                ["http"] = new JsonObject
                {
                    ["method"] = request.Method,
                    ["path"] = rawPath,
                    ["protocol"] = "HTTP/1.1",
                    ["sourceIp"] = request.SourceIp,
                    ["userAgent"] = "tests",
                },
                ["requestId"] = request.RequestId,
                ["routeKey"] = "$default",
                ["stage"] = request.Stage,
                ["time"] = "12/Mar/2020:19:03:58 +0000",
                ["timeEpoch"] = 1583348638390,
            },
            ["isBase64Encoded"] = request.IsBase64Encoded,
        };
        if (request.Cookies.Count > 0)
        {
            lambdaEvent["cookies"] = new JsonArray(request.Cookies.Select(cookie => (JsonNode?)cookie).ToArray());
        }
        if (query.Count > 0)
        {
            lambdaEvent["queryStringParameters"] = query;
        }
        if (request.BodyAsEventString is { } body)
        {
            lambdaEvent["body"] = body;
        }
        return lambdaEvent.ToJsonString();
    }

    public static GatewayResponse ReadResponse(InvocationResult result)
    {
        var root = JsonDocument.Parse(result.ResponseText).RootElement;
        var headers = root.TryGetProperty("headers", out var headerObject)
            ? headerObject.EnumerateObject().ToDictionary(header => header.Name, header => new[] { header.Value.GetString()! })
            : [];
        var cookies = root.TryGetProperty("cookies", out var cookieArray)
            ? cookieArray.EnumerateArray().Select(cookie => cookie.GetString()!).ToList()
            : [];
        return new GatewayResponse(
            root.GetProperty("statusCode").GetInt32(),
            headers,
            cookies,
            root.GetProperty("body").GetString()!,
            root.GetProperty("isBase64Encoded").GetBoolean(),
            root);
    }
}

/// <summary>Writes requests as payload format 1.0 events and reads 1.0 responses, following the REST API documentation.</summary>
public static class RestApiMessages
{
    public static string ToEvent(GatewayRequest request)
    {
        var headers = request.Headers.ToList();
        if (request.Cookies.Count > 0)
        {
            headers.Add(("Cookie", string.Join("; ", request.Cookies)));
        }
        var multiValueHeaders = new JsonObject();
        var lastHeaders = new JsonObject();
        foreach (var group in headers.GroupBy(header => header.Name))
        {
            multiValueHeaders[group.Key] = new JsonArray(group.Select(header => (JsonNode?)header.Value).ToArray());
            lastHeaders[group.Key] = group.Last().Value;
        }
        var multiValueQuery = new JsonObject();
        var lastQuery = new JsonObject();
        foreach (var group in request.Query.GroupBy(parameter => parameter.Name))
        {
            multiValueQuery[group.Key] = new JsonArray(group.Select(parameter => (JsonNode?)parameter.Value).ToArray());
            lastQuery[group.Key] = group.Last().Value;
        }
        var fullPath = request.Stage == "$default" ? request.Path : $"/{request.Stage}{request.Path}";
        return new JsonObject
        {
            ["version"] = "1.0",
            ["resource"] = "/{proxy+}",
            ["path"] = request.Path,
            ["httpMethod"] = request.Method,
            ["headers"] = lastHeaders,
            ["multiValueHeaders"] = multiValueHeaders,
            ["queryStringParameters"] = request.Query.Count > 0 ? lastQuery : null,
            ["multiValueQueryStringParameters"] = request.Query.Count > 0 ? multiValueQuery : null,
            ["pathParameters"] = new JsonObject { ["proxy"] = request.Path.TrimStart('/') },
            ["stageVariables"] = null,
            ["requestContext"] = new JsonObject
            {
                ["accountId"] = "123456789012",
                ["apiId"] = "api-id",
                ["authorizer"] = new JsonObject { ["principalId"] = "player-1", ["integrationLatency"] = 0, ["tier"] = null },
                ["domainName"] = "api-id.execute-api.us-east-1.amazonaws.com",
                ["domainPrefix"] = "api-id",
                ["extendedRequestId"] = "extended-1",
                ["httpMethod"] = request.Method,
                ["identity"] = new JsonObject
                {
                    ["accessKey"] = null,
                    ["accountId"] = null,
                    ["caller"] = null,
                    ["sourceIp"] = request.SourceIp,
                    ["user"] = null,
                    ["userAgent"] = "tests",
                    ["userArn"] = null,
                },
                ["path"] = fullPath,
                ["protocol"] = "HTTP/1.1",
                ["requestId"] = request.RequestId,
                ["requestTime"] = "04/Mar/2020:19:15:17 +0000",
                ["requestTimeEpoch"] = 1583349317135,
                ["resourceId"] = "resource-1",
                ["resourcePath"] = "/{proxy+}",
                ["stage"] = request.Stage,
            },
            ["body"] = request.BodyAsEventString,
            ["isBase64Encoded"] = request.IsBase64Encoded,
        }.ToJsonString();
    }

    public static GatewayResponse ReadResponse(InvocationResult result)
    {
        var root = JsonDocument.Parse(result.ResponseText).RootElement;
        var headers = root.GetProperty("multiValueHeaders").EnumerateObject().ToDictionary(
            header => header.Name,
            header => header.Value.EnumerateArray().Select(value => value.GetString()!).ToArray());
        var setCookies = headers.TryGetValue("Set-Cookie", out var cookies) ? cookies : [];
        return new GatewayResponse(
            root.GetProperty("statusCode").GetInt32(),
            headers,
            setCookies,
            root.GetProperty("body").GetString()!,
            root.GetProperty("isBase64Encoded").GetBoolean(),
            root);
    }
}
