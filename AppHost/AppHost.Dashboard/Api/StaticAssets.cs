using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AppHost.Dashboard.Api;

/// <summary>The UI's files, embedded in this assembly from <c>wwwroot</c>.</summary>
internal static class StaticAssets
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    public static IEndpointRouteBuilder MapDashboardPages(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", () => Page("index.html"));
        endpoints.MapGet("/assets/{file}", (string file) => Read(file) is { } content
            ? Results.Bytes(content, ContentTypes.GetValueOrDefault(Path.GetExtension(file), "application/octet-stream"))
            : Results.NotFound());
        return endpoints;
    }

    public static IResult Page(string file, int statusCode = StatusCodes.Status200OK) =>
        Results.Text(Read(file) ?? throw new InvalidOperationException($"The page {file} is not embedded."), ContentTypes[".html"], statusCode: statusCode);

    private static byte[]? Read(string file)
    {
        using var stream = typeof(StaticAssets).Assembly.GetManifestResourceStream("wwwroot/" + file);
        if (stream is null)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
