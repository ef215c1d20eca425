using System.Text;
using System.Text.Json;

namespace AppHost.Emulators.ApiGateway;

/// <summary>A function's answer to a proxy event, as the gateway returns it to the client.</summary>
internal sealed record ProxyResponse(int StatusCode, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    /// <summary>
    /// Reads a payload format 2.0 response: the structured form (<c>statusCode</c>, <c>headers</c>,
    /// <c>cookies</c>, <c>body</c>, <c>isBase64Encoded</c>) or, when there is no <c>statusCode</c>,
    /// the simple form (any JSON value is a 200 <c>application/json</c> body). Null when unreadable.
    /// </summary>
    public static ProxyResponse? ReadHttpApi(byte[] payload)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload);
        }
        catch (JsonException)
        {
            return null;
        }
        using (document)
        {
            return ReadHttpApi(document.RootElement, payload);
        }
    }

    private static ProxyResponse? ReadHttpApi(JsonElement root, byte[] payload)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("statusCode", out _))
        {
            return new ProxyResponse(200, [new("Content-Type", "application/json")], root.ValueKind == JsonValueKind.String
                ? Encoding.UTF8.GetBytes(root.GetString()!)
                : payload);
        }
        return ReadStructured(root, allowCookies: true);
    }

    /// <summary>Reads a payload format 1.0 response, which must be structured. Null when malformed.</summary>
    public static ProxyResponse? ReadRestApi(byte[] payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("statusCode", out _)
                ? ReadStructured(root, allowCookies: false)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ProxyResponse? ReadStructured(JsonElement root, bool allowCookies)
    {
        try
        {
            var statusCode = root.GetProperty("statusCode").GetInt32();
            if (statusCode is < 100 or > 599)
            {
                return null;
            }
            var headers = new List<KeyValuePair<string, string>>();
            if (root.TryGetProperty("multiValueHeaders", out var multi) && multi.ValueKind == JsonValueKind.Object)
            {
                foreach (var header in multi.EnumerateObject())
                {
                    headers.AddRange(header.Value.EnumerateArray().Select(value => new KeyValuePair<string, string>(header.Name, value.ToString())));
                }
            }
            if (root.TryGetProperty("headers", out var single) && single.ValueKind == JsonValueKind.Object)
            {
                foreach (var header in single.EnumerateObject().Where(header => !headers.Any(h => string.Equals(h.Key, header.Name, StringComparison.OrdinalIgnoreCase))))
                {
                    headers.Add(new(header.Name, header.Value.ToString()));
                }
            }
            if (allowCookies && root.TryGetProperty("cookies", out var cookies) && cookies.ValueKind == JsonValueKind.Array)
            {
                headers.AddRange(cookies.EnumerateArray().Select(cookie => new KeyValuePair<string, string>("Set-Cookie", cookie.GetString()!)));
            }
            var body = root.TryGetProperty("body", out var bodyElement) && bodyElement.ValueKind == JsonValueKind.String
                ? bodyElement.GetString()!
                : "";
            var base64 = root.TryGetProperty("isBase64Encoded", out var flag) && flag.ValueKind == JsonValueKind.True;
            return new ProxyResponse(statusCode, headers, base64 ? Convert.FromBase64String(body) : Encoding.UTF8.GetBytes(body));
        }
        catch (Exception exception) when (exception is InvalidOperationException or FormatException or KeyNotFoundException)
        {
            return null;
        }
    }
}
