using System.Diagnostics;
using System.Globalization;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

// The dashboard is started the way its tests start it: a local cloud (Unix processes and signals).
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

namespace OtlpBench;

/// <summary>
/// <c>OtlpBench run [--cap N] [--seconds S] [--windows K] [--warmup W] [--out FILE]</c> measures the
/// baseline, then the dashboard, each in its own child process (<c>OtlpBench serve TARGET CAP</c>).
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["serve", var serveTarget, var cap])
        {
            return await Servers.ServeAsync(serveTarget, int.Parse(cap, CultureInfo.InvariantCulture));
        }
        if (args is ["run", ..])
        {
            var options = Options.Parse(args[1..]);
            var results = new List<Flood.Result>();
            foreach (var target in new[] { "baseline", "dashboard" })
            {
                var result = await Flood.RunAsync(target, options);
                results.Add(result);
                Console.WriteLine(result.Describe());
            }
            var report = Report.Markdown(options, results[0], results[1]);
            Console.WriteLine(report);
            if (options.Out is not null)
            {
                await File.WriteAllTextAsync(options.Out, report);
            }
            return 0;
        }
        await Console.Error.WriteLineAsync("usage: OtlpBench run [--cap N] [--seconds S] [--windows K] [--warmup W] [--out FILE] | OtlpBench serve dashboard|baseline CAP");
        return 2;
    }
}

internal sealed record Options(int Cap, int Seconds, int Windows, int Warmup, string? Out)
{
    public static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        for (var index = 0; index + 1 < args.Length; index += 2)
        {
            values[args[index].TrimStart('-')] = args[index + 1];
        }
        int Int(string name, int fallback) => values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
        return new Options(Int("cap", 10_000), Int("seconds", 10), Int("windows", 3), Int("warmup", 3), values.GetValueOrDefault("out"));
    }
}

/// <summary>
/// The exporter the SDK's <c>AddOtlpExporter</c> builds (an <see cref="OtlpTraceExporter"/>, HTTP/protobuf,
/// behind a <see cref="BatchActivityExportProcessor"/> with the default batch options), with a thin
/// wrapper that counts the spans each export call delivered (success) or lost (failure).
/// </summary>
internal sealed class CountingExporter(BaseExporter<Activity> inner) : BaseExporter<Activity>
{
    private long _exported;
    private long _failed;
    private long _requests;
    private bool _parentSet;

    public long Exported => Interlocked.Read(ref _exported);

    public long Failed => Interlocked.Read(ref _failed);

    public long Requests => Interlocked.Read(ref _requests);

    public override ExportResult Export(in Batch<Activity> batch)
    {
        if (!_parentSet && ParentProvider is not null)
        {
            // The OTLP exporter reads the resource (service.name) from its provider, which the SDK
            // sets only on the exporter it was given: hand ours on (the setter is internal).
            typeof(BaseExporter<Activity>).GetProperty(nameof(ParentProvider))!.SetValue(inner, ParentProvider);
            _parentSet = true;
        }
        var result = inner.Export(batch);
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref result == ExportResult.Success ? ref _exported : ref _failed, batch.Count);
        return result;
    }

    protected override bool OnForceFlush(int timeoutMilliseconds) => inner.ForceFlush(timeoutMilliseconds);

    protected override bool OnShutdown(int timeoutMilliseconds) => inner.Shutdown(timeoutMilliseconds);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}

internal static class Flood
{
    /// <summary>
    /// The producer keeps at most this many spans between "ended" and "exported": below the default
    /// MaxQueueSize (2048), so the batch processor never drops, and at least MaxExportBatchSize (512)
    /// ahead, so every export is a full default batch sent as soon as the previous one returns.
    /// </summary>
    private const int MaxBacklog = 2048 - 512;

    private static readonly int[] Multiples = [1, 5, 10];

    internal sealed record Result(
        string Target,
        IReadOnlyList<double> Rates,
        long Produced,
        long Exported,
        long Failed,
        long Requests,
        IReadOnlyList<(int Multiple, long WorkingSet, string Stats)> Memory,
        long FinalWorkingSet,
        string FinalStats,
        IReadOnlyList<(long Spans, long WorkingSet)> AfterCap)
    {
        /// <summary>Working-set samples once the cap was reached, split in the flood's first and second halves: (median, max) of each.</summary>
        public ((long Median, long Max) First, (long Median, long Max) Second) Halves()
        {
            static (long, long) Of(IEnumerable<long> values)
            {
                var sorted = values.Order().ToList();
                return sorted.Count == 0 ? (0, 0) : (sorted[sorted.Count / 2], sorted[^1]);
            }
            var half = AfterCap.Count / 2;
            return (Of(AfterCap.Take(half).Select(sample => sample.WorkingSet)), Of(AfterCap.Skip(half).Select(sample => sample.WorkingSet)));
        }

        public double Median => Rates.Order().ElementAt(Rates.Count / 2);

        public long Dropped => Produced - Exported - Failed;

        public string Describe() =>
            $"{Target}: rates [{string.Join(", ", Rates.Select(rate => rate.ToString("N0", CultureInfo.InvariantCulture)))}] spans/s, median {Median:N0}; " +
            $"produced {Produced:N0}, exported {Exported:N0}, failed {Failed:N0}, dropped {Dropped:N0}, requests {Requests:N0}; " +
            string.Join("; ", Memory.Select(mark => $"WS@{mark.Multiple}x {mark.WorkingSet / 1048576.0:F1} MiB ({mark.Stats})")) +
            $"; WS at end {FinalWorkingSet / 1048576.0:F1} MiB ({FinalStats})";
    }

    public static async Task<Result> RunAsync(string target, Options options)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(Program).Assembly.Location);
        }
        foreach (var argument in new[] { "serve", target, options.Cap.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }
        using var server = Process.Start(start)!;
        try
        {
            var ready = (await server.StandardOutput.ReadLineAsync())?.Split(' ') ?? throw new InvalidOperationException($"The {target} server exited before it was ready.");
            var endpoint = new Uri(new Uri(ready[1]), "v1/traces");
            async Task<string> StatsAsync()
            {
                await server.StandardInput.WriteLineAsync("stats");
                await server.StandardInput.FlushAsync();
                return (await server.StandardOutput.ReadLineAsync())?["STATS ".Length..] ?? "";
            }
            long WorkingSet()
            {
                server.Refresh();
                return server.WorkingSet64;
            }

            var exporter = new CountingExporter(new OtlpTraceExporter(new OtlpExporterOptions
            {
                Endpoint = endpoint,
                Protocol = OtlpExportProtocol.HttpProtobuf,
            }));
            using var source = new ActivitySource("otlp-bench");
            var provider = Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("otlp-bench"))
                .AddSource(source.Name)
                .AddProcessor(new BatchActivityExportProcessor(exporter))
                .Build();

            long produced = 0;
            using var stop = new CancellationTokenSource();
            var producer = new Thread(() =>
            {
                while (!stop.IsCancelled())
                {
                    if (Volatile.Read(ref produced) - exporter.Exported - exporter.Failed >= MaxBacklog)
                    {
                        Thread.Sleep(1);
                        continue;
                    }
                    var sequence = produced;
                    using (var span = source.StartActivity(sequence.ToString(CultureInfo.InvariantCulture), ActivityKind.Server))
                    {
                        span?.SetTag("http.request.method", "GET");
                        span?.SetTag("url.path", "/leaderboards/hot");
                        span?.SetTag("http.response.status_code", 200);
                        span?.SetTag("bench.sequence", sequence);
                    }
                    Volatile.Write(ref produced, sequence + 1);
                }
            })
            { IsBackground = true, Name = "producer" };

            var memory = new List<(int, long, string)>();
            var afterCap = new List<(long, long)>();
            var nextMark = 0;
            async Task WatchAsync(TimeSpan duration)
            {
                var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
                while (Stopwatch.GetTimestamp() < until)
                {
                    await Task.Delay(50);
                    var exported = exporter.Exported;
                    if (exported >= options.Cap)
                    {
                        afterCap.Add((exported, WorkingSet()));
                    }
                    if (nextMark < Multiples.Length && exporter.Exported >= (long)Multiples[nextMark] * options.Cap)
                    {
                        memory.Add((Multiples[nextMark], WorkingSet(), await StatsAsync()));
                        nextMark++;
                    }
                }
            }

            producer.Start();
            await WatchAsync(TimeSpan.FromSeconds(options.Warmup));
            var rates = new List<double>();
            for (var window = 0; window < options.Windows; window++)
            {
                var before = exporter.Exported;
                var clock = Stopwatch.StartNew();
                await WatchAsync(TimeSpan.FromSeconds(options.Seconds));
                rates.Add((exporter.Exported - before) / clock.Elapsed.TotalSeconds);
            }
            // Keep flooding (at most 30 s more) until every memory mark was passed.
            var extra = Stopwatch.StartNew();
            while (nextMark < Multiples.Length && extra.Elapsed < TimeSpan.FromSeconds(30))
            {
                await WatchAsync(TimeSpan.FromMilliseconds(200));
            }
            var finalWorkingSet = WorkingSet();
            await stop.CancelAsync();
            producer.Join();
            provider.ForceFlush();
            provider.Dispose();
            var finalStats = await StatsAsync();
            return new Result(target, rates, Volatile.Read(ref produced), exporter.Exported, exporter.Failed, exporter.Requests, memory, finalWorkingSet, finalStats, afterCap);
        }
        finally
        {
            server.StandardInput.Close();
            if (!server.WaitForExit(TimeSpan.FromSeconds(15)))
            {
                server.Kill(entireProcessTree: true);
            }
        }
    }

    private static bool IsCancelled(this CancellationTokenSource source) => source.IsCancellationRequested;
}

internal static class Report
{
    public static string Markdown(Options options, Flood.Result baseline, Flood.Result dashboard)
    {
        static string MiB(long bytes) => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture);
        static string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
        var lines = new List<string>
        {
            $"| Target | spans/s (3 × {options.Seconds} s) | Median | Ratio to baseline | Exported / dropped / failed | Export requests |",
            "| --- | --- | --- | --- | --- | --- |",
        };
        foreach (var result in new[] { baseline, dashboard })
        {
            lines.Add($"| {result.Target} | {string.Join(" / ", result.Rates.Select(N))} | **{N(result.Median)}** | {result.Median / baseline.Median:P0} | {N(result.Exported)} / {N(result.Dropped)} / {N(result.Failed)} | {N(result.Requests)} |");
        }
        lines.Add("");
        lines.Add($"| Dashboard process (span cap {N(options.Cap)}) | Working set | Store |");
        lines.Add("| --- | --- | --- |");
        foreach (var (multiple, workingSet, stats) in dashboard.Memory)
        {
            lines.Add($"| after {multiple}× the cap ({N((long)multiple * options.Cap)} spans) | {MiB(workingSet)} MiB | `{stats}` |");
        }
        lines.Add($"| end of flood ({N(dashboard.Exported)} spans) | {MiB(dashboard.FinalWorkingSet)} MiB | `{dashboard.FinalStats}` |");
        var (first, second) = dashboard.Halves();
        lines.Add($"| after the cap, first half of the flood ({dashboard.AfterCap.Count / 2} samples, every 50 ms) | median {MiB(first.Median)} MiB, max {MiB(first.Max)} MiB | |");
        lines.Add($"| after the cap, second half of the flood | median {MiB(second.Median)} MiB, max {MiB(second.Max)} MiB ({(double)second.Median / first.Median - 1:+0%;-0%} median) | |");
        lines.Add($"| baseline process, end of flood | {MiB(baseline.FinalWorkingSet)} MiB | `{baseline.FinalStats}` |");
        return string.Join(Environment.NewLine, lines) + Environment.NewLine;
    }
}
