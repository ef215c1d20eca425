using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace AppHost.Emulators.Tests;

/// <summary>
/// Sends a request byte for byte, for what HttpClient normalises away: a header repeated on several
/// lines, or a path with encoded characters.
/// </summary>
internal static class RawHttp
{
    public static async Task<JsonElement> GetJsonBodyAsync(Uri endpoint, string pathAndQuery, params string[] headerLines)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(endpoint.Host, endpoint.Port);
        await using var stream = client.GetStream();
        var request = new StringBuilder()
            .Append("GET ").Append(pathAndQuery).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(endpoint.Authority).Append("\r\n")
            .Append("Connection: close\r\n");
        foreach (var line in headerLines)
        {
            request.Append(line).Append("\r\n");
        }
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        var body = response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        return JsonDocument.Parse(body).RootElement;
    }
}
