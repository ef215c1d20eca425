using System.Diagnostics;
using System.Globalization;
using System.Text;
using AppHost.Emulators.Lambda;
using AppHost.Emulators.Processes;
using AppHost.Emulators.Secrets;

namespace PlatformBench;

/// <summary>
/// What the local Parameters and Secrets extension costs: the cold start of one function with and
/// without it (the same build, new <see cref="LambdaFunction"/> each run, taking turns), the time an
/// environment takes to shut down with it, and a cached secret read from its HTTP API.
/// </summary>
internal static class ExtensionCost
{
    public static async Task<int> RunAsync(Options options)
    {
        var assembly = options.Get("function");
        var runs = options.Int("runs", 10);
        var reads = options.Int("reads", 2000);
        var store = new SecretStore();
        store.Set("bench-key", "bench-value");
        var payload = new LambdaInvocationRequest(Encoding.UTF8.GetBytes("""{"action":"context"}"""));
        var plain = Settings(assembly);
        var withExtension = plain with { StandIns = [new ParametersSecretsExtension(store)] };
        var cold = new Dictionary<string, List<double>> { ["plain"] = [], ["stand-in"] = [] };
        var shutdown = new Dictionary<string, List<double>> { ["plain"] = [], ["stand-in"] = [] };
        for (var run = -1; run < runs; run++)
        {
            foreach (var (label, settings) in new[] { ("plain", plain), ("stand-in", withExtension) })
            {
                var clock = Stopwatch.StartNew();
                var function = new LambdaFunction(settings);
                var result = await function.InvokeAsync(payload);
                var coldMs = clock.Elapsed.TotalMilliseconds;
                clock.Restart();
                await function.DisposeAsync();
                if (result.Status != InvocationStatus.Succeeded)
                {
                    await Console.Error.WriteLineAsync($"{label}: {Encoding.UTF8.GetString(result.Payload)}");
                    return 1;
                }
                if (run >= 0)
                {
                    cold[label].Add(coldMs);
                    shutdown[label].Add(clock.Elapsed.TotalMilliseconds);
                }
            }
        }

        var environment = new Dictionary<string, string> { ["AWS_SESSION_TOKEN"] = "bench-token" };
        await using var server = await ParametersSecretsServer.StartAsync(store, environment, 0, CancellationToken.None);
        using var http = new HttpClient();
        var latencies = new List<double>(reads);
        for (var read = -100; read < reads; read++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://localhost:{server.Port}/secretsmanager/get?secretId=bench-key");
            request.Headers.Add(ParametersSecretsServer.TokenHeader, "bench-token");
            var clock = Stopwatch.StartNew();
            using var response = await http.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            if (read >= 0)
            {
                latencies.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        var lines = new[]
        {
            $"cold start, median of {runs}: without {Stats.Median(cold["plain"]):0} ms, with the stand-in {Stats.Median(cold["stand-in"]):0} ms (+{Stats.Median(cold["stand-in"]) - Stats.Median(cold["plain"]):0} ms)",
            $"shutdown, median of {runs}: without {Stats.Median(shutdown["plain"]):0} ms, with the stand-in {Stats.Median(shutdown["stand-in"]):0} ms (max {shutdown["stand-in"].Max():0} ms)",
            $"cached secret read, {reads} reads: p50 {Stats.Median(latencies).ToString("0.000", CultureInfo.InvariantCulture)} ms, p99 {Stats.Percentile(latencies, 99).ToString("0.000", CultureInfo.InvariantCulture)} ms",
        };
        foreach (var line in lines)
        {
            Console.WriteLine(line);
        }
        await File.WriteAllLinesAsync(options.Get("out"), lines);
        return 0;
    }

    private static LambdaFunctionSettings Settings(string assembly) => new()
    {
        Name = "bench-function",
        Command = new ChildProcessSpec("dotnet", [Path.GetFullPath(assembly)], Path.GetDirectoryName(Path.GetFullPath(assembly)), new Dictionary<string, string> { ["DOTNET_NOLOGO"] = "1" }),
        Handler = Path.GetFileNameWithoutExtension(assembly),
        Timeout = TimeSpan.FromSeconds(30),
    };
}
