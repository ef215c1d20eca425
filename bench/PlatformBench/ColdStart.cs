using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AppHost.Emulators.Lambda;
using AppHost.Emulators.Processes;

namespace PlatformBench;

/// <summary>
/// Cold start of one build of a function: for each run a new <see cref="LambdaFunction"/> (the
/// emulator's own class, as the AppHost uses it) starts the process and sends it one event; the
/// time from the start to the completed invocation is the cold start. The emulator's REPORT line
/// gives the init part (process start → the runtime's first poll).
/// </summary>
internal static partial class ColdStart
{
    public static async Task<int> RunAsync(Options options)
    {
        var labels = options.List("variants");
        var payload = await File.ReadAllBytesAsync(options.Get("event"));
        var runs = options.Int("runs", 10);
        var warmup = options.Int("warmup", 1);
        var outDir = options.Get("out-dir");
        var variants = labels.Select(label => new Variant(label, Settings(options, label))).ToList();

        // Round-robin: run i of every variant, then run i + 1, so a drift in the machine's load
        // affects every variant alike.
        for (var run = -warmup; run < runs; run++)
        {
            foreach (var variant in variants)
            {
                await variant.RunOnceAsync(payload, run);
            }
        }
        foreach (var variant in variants)
        {
            await variant.WriteAsync(Path.Combine(outDir, $"coldstart-{variant.Label}.json"), runs);
        }
        return variants.All(variant => variant.Failures == 0) ? 0 : 1;
    }

    /// <summary>How the AppHost would run the leaderboard-api function from this variant's files.</summary>
    private static LambdaFunctionSettings Settings(Options options, string label)
    {
        var command = options.Get("command-" + label);
        var arguments = options.List("args-" + label);
        var workdir = Path.GetDirectoryName(Path.GetFullPath(arguments.Count > 0 ? arguments[0] : command))!;

        // What the AppHost gives the leaderboard-api function (FunctionResource), before Lambda's own variables.
        var environment = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = "local",
            ["AWS_SECRET_ACCESS_KEY"] = "local",
            ["AWS_SESSION_TOKEN"] = "local",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_NOLOGO"] = "1",
            ["AWS_ENDPOINT_URL_DYNAMODB"] = options.Get("dynamodb", "http://127.0.0.1:9"),
            ["Leaderboard__TableName"] = "leaderboard",
            // Required to start; the health event it is invoked with reads no secret, so no extension runs here.
            ["Leaderboard__MatchSigningSecretId"] = "match-signing-key",
        };
        foreach (var pair in options.List("env-" + label))
        {
            var separator = pair.IndexOf('=', StringComparison.Ordinal);
            environment[pair[..separator]] = pair[(separator + 1)..];
        }
        return new LambdaFunctionSettings
        {
            Name = "leaderboard-api",
            Command = new ChildProcessSpec(command, arguments, workdir, environment),
            Handler = "Leaderboard.Api",
            MemoryMb = 512,
            Timeout = TimeSpan.FromSeconds(15),
            MaxEnvironments = 1,
        };
    }

    private sealed class Variant(string label, LambdaFunctionSettings settings)
    {
        private readonly List<double> _total = [];
        private readonly List<double> _init = [];
        private readonly List<double> _invoke = [];
        private readonly List<double> _stop = [];
        private readonly List<double> _before = [];

        public string Label { get; } = label;

        public int Failures { get; private set; }

        public string? FirstFailure { get; private set; }

        public async Task RunOnceAsync(byte[] payload, int run)
        {
            string? report = null;
            var function = new LambdaFunction(settings, line =>
            {
                if (line.StartsWith("REPORT ", StringComparison.Ordinal))
                {
                    report = line;
                }
            });
            var clock = Stopwatch.StartNew();
            var result = await function.InvokeAsync(new LambdaInvocationRequest(payload));
            var elapsed = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            await function.DisposeAsync();
            var stopped = clock.Elapsed.TotalMilliseconds;

            var body = System.Text.Encoding.UTF8.GetString(result.Payload);
            var ok = result.Status == InvocationStatus.Succeeded && result.ColdStart && body.Contains("\"statusCode\":200", StringComparison.Ordinal);
            var initMs = report is not null && InitDuration().Match(report) is { Success: true } match
                ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
                : double.NaN;
            var invokeMs = result.Duration.TotalMilliseconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Label,-12} run {run + 1,3}{(run < 0 ? " (warm-up)" : "")}: {elapsed,7:0.0} ms to the first response (emulator {elapsed - initMs - invokeMs:0.0} ms, init {initMs:0.0} ms, invoke {invokeMs:0.0} ms; stop {stopped:0} ms){(ok ? "" : $" FAILED: {result.Status} {body[..Math.Min(300, body.Length)]}")}"));
            if (run < 0)
            {
                return;
            }
            if (!ok)
            {
                Failures++;
                FirstFailure ??= $"{result.Status}: {body[..Math.Min(400, body.Length)]}";
                return;
            }
            _total.Add(elapsed);
            _init.Add(initMs);
            _invoke.Add(invokeMs);
            _stop.Add(stopped);
            _before.Add(elapsed - initMs - invokeMs);
        }

        public async Task WriteAsync(string path, int runs)
        {
            var output = new JsonObject
            {
                ["label"] = Label,
                ["runs"] = runs,
                ["failures"] = Failures,
                ["firstFailure"] = FirstFailure,
                ["medianMs"] = Stats.Median(_total),
                ["minMs"] = _total.Count > 0 ? _total.Min() : double.NaN,
                ["maxMs"] = _total.Count > 0 ? _total.Max() : double.NaN,
                ["medianEmulatorMs"] = Stats.Median(_before),
                ["medianInitMs"] = Stats.Median(_init),
                ["medianFirstInvokeMs"] = Stats.Median(_invoke),
                ["medianStopMs"] = Stats.Median(_stop),
                ["samplesMs"] = new JsonArray(_total.Select(value => (JsonNode)Math.Round(value, 1)).ToArray()),
            };
            await File.WriteAllTextAsync(path, output.ToJsonString(new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Label}: median {Stats.Median(_total):0.0} ms (emulator before the process start {Stats.Median(_before):0.0} ms, init {Stats.Median(_init):0.0} ms, first invocation {Stats.Median(_invoke):0.0} ms) over {_total.Count} runs, {Failures} failed"));
        }
    }

    [GeneratedRegex(@"Init Duration: ([0-9.]+) ms")]
    private static partial Regex InitDuration();
}
