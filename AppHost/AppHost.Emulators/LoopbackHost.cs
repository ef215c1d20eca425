using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AppHost.Emulators;

/// <summary>The web host every local endpoint starts from: Kestrel on 127.0.0.1 only, no logging of its own.</summary>
public static class LoopbackHost
{
    /// <summary>A slim builder listening on <c>127.0.0.1:{port}</c> (0 picks a free port) with the given body limit (null: none).</summary>
    public static WebApplicationBuilder CreateBuilder(int port, long? maxRequestBodySize)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port);
            kestrel.Limits.MaxRequestBodySize = maxRequestBodySize;
        });
        return builder;
    }

    /// <summary>Stops a started app, giving its requests in flight at most a second, and disposes it.</summary>
    public static async Task StopAsync(WebApplication app)
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await app.StopAsync(stopping.Token);
        await app.DisposeAsync();
    }

    /// <summary>The port a started app listens on: the one it was given, or the free one Kestrel picked for 0.</summary>
    public static int PortOf(WebApplication app) =>
        new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single()).Port;
}
