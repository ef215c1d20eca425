using Microsoft.AspNetCore.Http;

namespace AppHost.Emulators;

/// <summary>Reads a request body up to a limit, as every emulator must (6 MB for Lambda, 10 MB for API Gateway).</summary>
public static class BoundedBody
{
    /// <summary>The whole body, or null when it is (or announces itself as) longer than <paramref name="limit"/> bytes.</summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, long limit)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }
        var cancellationToken = request.HttpContext.RequestAborted;
        if (request.ContentLength is { } length)
        {
            // The common case: one exact allocation, no copies.
            var body = new byte[length];
            await request.Body.ReadExactlyAsync(body, cancellationToken);
            return body;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
