using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.FileProviders;

namespace AppHost.Emulators.StaticSites;

/// <summary>
/// A static site on loopback, as a bucket behind a CDN would serve it: the folder's files (<c>index.html</c>
/// for <c>/</c>), nothing outside it, and a generated <c>config.json</c> that tells the page where the
/// app's endpoints are.
/// </summary>
public sealed class StaticSiteHost : IAsyncDisposable
{
    public const string ConfigPath = "/config.json";

    private readonly WebApplication _app;

    private StaticSiteHost(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Serves <paramref name="directory"/> on <paramref name="port"/> (0: a free one) with <paramref name="configJson"/> as <c>/config.json</c>.</summary>
    public static async Task<StaticSiteHost> StartAsync(string directory, int port, string configJson, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Path.Combine(directory, "index.html")))
        {
            throw new DirectoryNotFoundException($"{directory} has no index.html.");
        }
        var app = LoopbackHost.CreateBuilder(port, maxRequestBodySize: 0).Build();
        var files = new PhysicalFileProvider(Path.GetFullPath(directory));
        app.MapGet(ConfigPath, (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            return Results.Text(configJson, "application/json");
        });
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache",
        });
        var host = new StaticSiteHost(app);
        await app.StartAsync(cancellationToken);
        host.Endpoint = new Uri(app.Urls.Single().TrimEnd('/') + "/");
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
