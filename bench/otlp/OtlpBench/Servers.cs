using System.Net;
using AppHost.Dashboard;
using AppHost.Hosting.AppModel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OtlpBench;

/// <summary>
/// The child process the exporter sends to: either the dashboard alone (started the way its tests
/// start it, a local cloud holding only the dashboard), or a trivial Kestrel endpoint that reads the
/// body and discards it. It prints <c>READY url pid</c>, then answers <c>stats</c> lines on stdin
/// until stdin closes.
/// </summary>
internal static class Servers
{
    public static async Task<int> ServeAsync(string target, int cap)
    {
        return target switch
        {
            "dashboard" => await ServeDashboardAsync(cap),
            "baseline" => await ServeBaselineAsync(),
            _ => throw new ArgumentException($"Unknown target '{target}'.", nameof(target)),
        };
    }

    private static async Task<int> ServeDashboardAsync(int cap)
    {
        var state = Directory.CreateTempSubdirectory("otlp-bench-").FullName;
        try
        {
            var builder = LocalCloud.CreateBuilder(
                ["--Ports:dashboard=0", "--Ports:otlp=0", "--ForwardConsole=false", $"--StateDirectory={state}", $"--Dashboard:Telemetry:MaxSpans={cap}"]);
            var dashboard = builder.AddDashboard().Resource;
            await using var app = builder.Build();
            await app.StartAsync();
            await AnswerAsync(dashboard.OtlpEndpoint, () =>
            {
                var spans = dashboard.Store.Spans();
                var last = spans.Count == 0 ? "-" : spans[^1].Name;
                return $"spans={dashboard.Store.SpanCount} last={last}";
            });
            return 0;
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    private static async Task<int> ServeBaselineAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Limits.MaxRequestBodySize = AppHost.Dashboard.Telemetry.OtlpIntake.MaxRequestBytes;
        });
        await using var app = builder.Build();
        long requests = 0;
        long bytes = 0;
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                int read;
                while ((read = await request.Body.ReadAsync(buffer)) > 0)
                {
                    Interlocked.Add(ref bytes, read);
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
            Interlocked.Increment(ref requests);
            return TypedResults.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync();
        var address = new Uri(app.Urls.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        await AnswerAsync(address, () => $"requests={Interlocked.Read(ref requests)} bytes={Interlocked.Read(ref bytes)}");
        await app.StopAsync();
        return 0;
    }

    private static async Task AnswerAsync(Uri otlp, Func<string> stats)
    {
        Console.WriteLine($"READY {otlp} {Environment.ProcessId}");
        while (await Console.In.ReadLineAsync() is { } line)
        {
            if (line == "stats")
            {
                Console.WriteLine($"STATS {stats()} heap={GC.GetTotalMemory(false)} gen2={GC.CollectionCount(2)}");
            }
        }
    }
}
