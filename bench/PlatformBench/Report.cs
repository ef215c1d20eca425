using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace PlatformBench;

/// <summary>
/// Turns one run's result files into the tables of bench/README.md, between the platform-bench
/// result markers (appended at the end of the file when they are not there yet).
/// </summary>
internal static class Report
{
    private const string Begin = "<!-- platform-bench:results:begin (written by bench/platform.sh) -->";
    private const string End = "<!-- platform-bench:results:end -->";

    private static readonly (string Label, string Title)[] ColdStartVariants =
    [
        ("jit", "build output (`dotnet Leaderboard.Api.dll`, JIT) — what the AppHost runs"),
        ("jit-nopgo", "build output, `DOTNET_TieredPGO=0`"),
        ("jit-spin", "build output, idle thread-pool workers spinning (`DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=70`, the runtime's default)"),
        ("jit-invariant", "build output, `DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1`"),
        ("r2r", "ReadyToRun, framework-dependent"),
        ("r2r-nopgo", "ReadyToRun, framework-dependent, `DOTNET_TieredPGO=0`"),
        ("r2r-prod", "ReadyToRun, framework-dependent, Production environment (as in AWS; the AppHost sets Development)"),
        ("r2r-rdg", "ReadyToRun + the Request Delegate Generator (`EnableRequestDelegateGenerator`)"),
        ("r2r-sc", "ReadyToRun, self-contained"),
        ("r2r-sc-trim", "ReadyToRun, self-contained, trimmed (`TrimMode=partial`)"),
        ("r2r-sc-comp-rdg", "composite ReadyToRun (framework + app), self-contained, + Request Delegate Generator"),
        ("r2r-sc-comp-rdg-invariant", "the same, `DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1`"),
    ];

    public static async Task<int> RunAsync(Options options)
    {
        var results = options.Get("results");
        var readme = options.Get("readme");
        var markdown = Render(results, options.Get("run"));
        await File.WriteAllTextAsync(Path.Combine(results, "report.md"), markdown);
        Console.WriteLine(markdown);

        // Re-read right before writing: another benchmark may have changed the file meanwhile.
        var text = File.Exists(readme) ? await File.ReadAllTextAsync(readme) : "";
        var begin = text.IndexOf(Begin, StringComparison.Ordinal);
        var end = text.IndexOf(End, StringComparison.Ordinal);
        var block = Begin + "\n" + markdown.TrimEnd() + "\n" + End;
        text = begin >= 0 && end > begin
            ? string.Concat(text.AsSpan(0, begin), block, text.AsSpan(end + End.Length))
            : text.TrimEnd() + "\n\n" + block + "\n";
        await File.WriteAllTextAsync(readme, text);
        Console.WriteLine($"updated {readme}");
        return 0;
    }

    private static string Render(string results, string run)
    {
        JsonObject? Load(string name)
        {
            var path = Path.Combine(results, name + ".json");
            return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path))?.AsObject() : null;
        }
        double Value(JsonObject? node, string key) => node?[key] is JsonValue value && value.TryGetValue<double>(out var number) ? number : double.NaN;

        var md = new StringBuilder();
        md.AppendLine(run).AppendLine();
        md.AppendLine("| # | Measure | Figure | Baseline, same run | Added / ratio | Target | Met |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | --- | --- |");

        foreach (var (label, title) in ColdStartVariants)
        {
            var cold = Load("coldstart-" + label);
            if (cold is null)
            {
                continue;
            }
            var median = Value(cold, "medianMs");
            var failed = Value(cold, "failures") > 0 || double.IsNaN(median);
            md.AppendLine(Invariant($"| 1 | Cold start of `leaderboard-api`, {title}: process start → first invocation complete, median of {Value(cold, "runs"):0} | {Ms(median)} | — | — | ≤ 300 ms | {(failed ? "failed" : Verdict(median <= 300, median - 300, "ms"))} |"));
        }

        foreach (var (suffix, config) in Configurations)
        {
            var kestrel1 = Load("warm-kestrel-c1" + suffix) ?? Load("warm-kestrel-c1");
            var kestrel2 = Load("warm-kestrel-c2" + suffix) ?? Load("warm-kestrel-c2");
            var invoke1 = Load("warm-invoke-c1" + suffix);
            if (kestrel1 is not null && invoke1 is not null)
            {
                var added = Value(invoke1, "p50Ms") - Value(kestrel1, "p50Ms");
                md.AppendLine(Invariant($"| 2 | {config}: a `GET /health` event through the Invoke API, 1 connection, p50 | {Ms(Value(invoke1, "p50Ms"))} | Kestrel direct {Ms(Value(kestrel1, "p50Ms"))} | +{Ms(added)} | ≤ 1 ms added | {Verdict(added <= 1, added - 1, "ms")} |"));
            }
            var invoke2 = Load("warm-invoke-c2" + suffix);
            if (kestrel2 is not null && invoke2 is not null)
            {
                var ratio = Value(invoke2, "rps") / Value(kestrel2, "rps");
                md.AppendLine(Invariant($"| 2 | {config}: the same, 2 connections = 2 environments, throughput | {Value(invoke2, "rps"):0} req/s | Kestrel direct {Value(kestrel2, "rps"):0} req/s | {Percent(ratio)} | ≥ 50 % | {Verdict(ratio >= 0.5, (ratio - 0.5) * 100, "points")} |"));
            }
        }
        var spinDefault = new[] { Load("spin-default-1"), Load("spin-default-2") }.OfType<JsonObject>().ToList();
        var spinOff = new[] { Load("spin-off-1"), Load("spin-off-2") }.OfType<JsonObject>().ToList();
        if (spinOff.Count > 0 && Load("warm-kestrel-c2") is { } kestrel)
        {
            var rps = Stats.Median(spinOff.Select(phase => Value(phase, "rps")));
            var ratio = rps / Value(kestrel, "rps");
            md.AppendLine(Invariant($"| 2 | telemetry off + `DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0`: 2 connections = 2 environments, throughput (median of {spinOff.Count} rounds; default spinning: {Stats.Median(spinDefault.Select(phase => Value(phase, "rps"))):0} req/s) | {rps:0} req/s | Kestrel direct {Value(kestrel, "rps"):0} req/s | {Percent(ratio)} | ≥ 50 % | {Verdict(ratio >= 0.5, (ratio - 0.5) * 100, "points")} |"));
        }
        foreach (var (suffix, config) in Configurations)
        {
            var direct = Load("gw-kestrel" + suffix);
            var gateway = Load("gw-gateway" + suffix);
            if (direct is not null && gateway is not null)
            {
                var added = Value(gateway, "p50Ms") - Value(direct, "p50Ms");
                var ratio = Value(gateway, "rps") / Value(direct, "rps");
                var connections = Value(gateway, "connections");
                md.AppendLine(Invariant($"| 3 | {config}: `GET /leaderboards/bench?limit=10` through the gateway, {connections:0} connections, p50 | {Ms(Value(gateway, "p50Ms"))} | Kestrel direct {Ms(Value(direct, "p50Ms"))} | +{Ms(added)} | ≤ 1 ms added | {Verdict(added <= 1, added - 1, "ms")} |"));
                md.AppendLine(Invariant($"| 3 | {config}: the same, throughput | {Value(gateway, "rps"):0} req/s | Kestrel direct {Value(direct, "rps"):0} req/s | {Percent(ratio)} | ≥ 60 % | {Verdict(ratio >= 0.6, (ratio - 0.6) * 100, "points")} |"));
            }
        }
        foreach (var (suffix, config) in Configurations)
        {
            foreach (var lag in StreamRuns(results, suffix))
            {
                var p95 = Value(lag, "lagP95Ms");
                var rate = Value(lag, "targetRate");
                var sustained = Value(lag, "achievedRate") >= 0.95 * rate && Value(lag, "errors") == 0 && Value(lag, "unprocessed") == 0;
                var verdict = rate < 200 ? "(below the target's rate)"
                    : sustained ? Verdict(p95 <= 1000, p95 - 1000, "ms")
                    : Invariant($"**missed**: 200/s not sustained ({Value(lag, "achievedRate"):0}/s accepted, {Value(lag, "errors"):0} errors, {Value(lag, "unprocessed"):0} never applied)");
                md.AppendLine(Invariant($"| 4 | {config}: stream lag, `POST /matches` answered 202 → match applied to the board, p95, posting {rate:0} matches/s ({Value(lag, "playersPerMatch"):0} players each) for {Value(lag, "seconds"):0} s | {Ms(p95)} | — | — | ≤ 1 s at 200/s | {verdict} |"));
            }
        }
        foreach (var (label, title, stopping) in new[]
        {
            ("apphost-run", "`dotnet run -c Release --project AppHost/AppHost` (right after a build)", "SIGTERM"),
            ("apphost-group-kill", "the same, stopped by kill -9 of its whole process group", "kill -9 of the group"),
        })
        {
            var cycle = Load(label);
            if (cycle is null)
            {
                continue;
            }
            var start = Value(cycle, "medianStartMs");
            var stop = Value(cycle, "medianStopMs");
            var failed = Value(cycle, "failures") > 0;
            md.AppendLine(Invariant($"| 5 | {title}: start → every resource running (a request through the gateway answers), median of {Value(cycle, "runs"):0} | {Ms(start)} | — | — | ≤ 5 s | {(failed ? "failed runs; " : "")}{Verdict(start <= 5000, start - 5000, "ms")} |"));
            md.AppendLine(Invariant($"| 5 | the same: resident memory of the AppHost / DCP / dashboard, median | {Value(cycle, "medianRssAppHostMb"):0} / {Value(cycle, "medianRssDcpMb"):0} / {Value(cycle, "medianRssDashboardMb"):0} MB | — | — | — | — |"));
            md.AppendLine(Invariant($"| 5 | the same: {stopping} → all {Value(cycle, "processes"):0} processes gone, median of {Value(cycle, "runs"):0} | {Ms(stop)} | — | — | ≤ 15 s | {Verdict(stop <= 15000, stop - 15000, "ms")} |"));
        }

        var failures = new List<string>();
        md.AppendLine().AppendLine("Cold start per variant (each run: a new execution environment through the emulator's `LambdaFunction`, one `GET /health` event):").AppendLine();
        md.AppendLine("| Variant | Median | Min | Max | Emulator before the process starts, median | Init (process start → first poll), median | First invocation, median | Failed runs |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (label, title) in ColdStartVariants)
        {
            var cold = Load("coldstart-" + label);
            var note = Path.Combine(results, "coldstart-" + label + ".skipped");
            if (cold is null)
            {
                if (File.Exists(note))
                {
                    md.AppendLine(Invariant($"| {title} | did not build: {File.ReadAllText(note).Trim()} | | | | | | |"));
                }
                continue;
            }
            if (cold["firstFailure"]?.GetValue<string>() is { } failure)
            {
                failures.Add(Invariant($"{title}: {Value(cold, "failures"):0} of {Value(cold, "runs"):0} runs failed; the first answered {failure.Replace("|", "\\|", StringComparison.Ordinal)}"));
            }
            md.AppendLine(Invariant($"| {title} | {Ms(Value(cold, "medianMs"))} | {Ms(Value(cold, "minMs"))} | {Ms(Value(cold, "maxMs"))} | {Ms(Value(cold, "medianEmulatorMs"))} | {Ms(Value(cold, "medianInitMs"))} | {Ms(Value(cold, "medianFirstInvokeMs"))} | {Value(cold, "failures"):0} |"));
        }

        foreach (var failure in failures)
        {
            md.AppendLine().AppendLine("Failed: " + failure);
        }

        md.AppendLine().AppendLine("Load phases, each after its own warm-up (client: hey with every request's own time, or wrk for the high-rate 2-connection phases, whose percentiles are corrected for coordinated omission):").AppendLine();
        md.AppendLine("| Phase | Client | Connections | Req/s | p50 | p90 | p99 | Errors | Machine busy | CPU per request: AppHost (emulators) | `leaderboard-api` processes | DynamoDB Local | Kestrel direct |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        var phases = Configurations.SelectMany(configuration => new[]
        {
            ("warm-kestrel-c1" + configuration.Suffix, $"{configuration.Title}: `GET /health`, Kestrel direct"),
            ("warm-invoke-c1" + configuration.Suffix, $"{configuration.Title}: `GET /health` event, Invoke API"),
            ("warm-kestrel-c2" + configuration.Suffix, $"{configuration.Title}: `GET /health`, Kestrel direct"),
            ("warm-invoke-c2" + configuration.Suffix, $"{configuration.Title}: `GET /health` event, Invoke API (2 environments)"),
            ("gw-kestrel" + configuration.Suffix, $"{configuration.Title}: `GET /leaderboards/bench?limit=10`, Kestrel direct"),
            ("gw-gateway" + configuration.Suffix, $"{configuration.Title}: `GET /leaderboards/bench?limit=10`, API Gateway emulator"),
        });
        phases = phases.Concat(Enumerable.Range(1, 2).SelectMany(round => new[]
        {
            ($"spin-default-{round}", $"spin round {round}: `GET /health` event, Invoke API (2 environments), telemetry off, default thread pool"),
            ($"spin-off-{round}", $"spin round {round}: the same with `DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0`"),
        }));
        foreach (var (name, title) in phases)
        {
            var phase = Load(name);
            if (phase is null)
            {
                continue;
            }
            md.AppendLine(Invariant($"| {title} | {phase["client"]?.GetValue<string>() ?? "wrk"} | {Value(phase, "connections"):0} | {Value(phase, "rps"):0} | {Ms(Value(phase, "p50Ms"))} | {Ms(Value(phase, "p90Ms"))} | {Ms(Value(phase, "p99Ms"))} | {Value(phase, "errors"):0} | {Value(phase, "machineBusyPct"):0} % | {Cpu(phase, "appHost")} | {Cpu(phase, "apiFunctions")} | {Cpu(phase, "dynamoDb")} | {Cpu(phase, "kestrelDirect")} |"));
        }
        foreach (var (suffix, config) in Configurations)
        {
            foreach (var lag in StreamRuns(results, suffix))
            {
                var cpu = lag["cpuPct"];
                string Pct(string key) => cpu?[key] is JsonValue value && value.TryGetValue<double>(out var pct) ? Invariant($"{pct:0} %") : "—";
                md.AppendLine().AppendLine(Invariant(
                    $"Stream lag, {config}, {Value(lag, "targetRate"):0}/s: {Value(lag, "sent"):0} matches sent on a fixed schedule, {Value(lag, "accepted"):0} accepted ({Value(lag, "achievedRate"):0.0}/s), {Value(lag, "errors"):0} errors (429 when the API function's 10 environments are all busy), {Value(lag, "late"):0} sent late for lack of a free connection; `POST /matches` answered (202 or 429) in p50 {Ms(Value(lag, "postP50Ms"))}, p95 {Ms(Value(lag, "postP95Ms"))}; lag p50 {Ms(Value(lag, "lagP50Ms"))}, p95 {Ms(Value(lag, "lagP95Ms"))}, p99 {Ms(Value(lag, "lagP99Ms"))}, max {Ms(Value(lag, "lagMaxMs"))} (probe every {Value(lag, "pollMs"):0} ms, ±{Value(lag, "pollMs") / 2:0} ms); {Value(lag, "unprocessed"):0} never applied within 20 s of the last post. CPU over the whole run (seeding, warm-up, measured, drain): machine busy {Pct("machineBusy")} of both cores; in % of one core, DynamoDB Local {Pct("dynamoDb")}, AppHost {Pct("appHost")}, `leaderboard-api` {Pct("apiFunctions")}, `leaderboard-processor` {Pct("processorFunctions")}."));
            }
        }
        return md.ToString();
    }

    private static readonly (string Suffix, string Title)[] Configurations =
    [
        ("", "telemetry off"),
        ("-otel", "as shipped"),
    ];

    /// <summary>The stream-lag results of one configuration: the target rate first, then lower rates.</summary>
    private static List<JsonObject> StreamRuns(string results, string suffix) => Directory.EnumerateFiles(results, "stream-lag*.json")
        .Where(path => System.Text.RegularExpressions.Regex.IsMatch(Path.GetFileName(path), "^stream-lag(-[0-9]+)?" + System.Text.RegularExpressions.Regex.Escape(suffix) + "\\.json$"))
        .Select(path => JsonNode.Parse(File.ReadAllText(path))!.AsObject())
        .OrderByDescending(lag => lag["targetRate"]!.GetValue<double>())
        .ToList();

    private static string Cpu(JsonObject phase, string key) =>
        phase["cpuMsPerRequest"]?[key] is JsonValue value && value.TryGetValue<double>(out var ms) ? Invariant($"{ms:0.00} ms") : "—";

    private static string Percent(double ratio) => double.IsNaN(ratio) ? "—" : Invariant($"{ratio * 100:0} %");

    private static string Verdict(bool met, double by, string unit) => met
        ? "**met**"
        : Invariant($"**missed** by {(unit == "ms" ? Ms(by) : Invariant($"{by:0} {unit}"))}").Replace("by -", "by ", StringComparison.Ordinal);

    private static string Ms(double value) => double.IsNaN(value) ? "—"
        : Math.Abs(value) >= 1000 ? Invariant($"{value / 1000:0.00} s")
        : Math.Abs(value) >= 10 ? Invariant($"{value:0} ms")
        : Invariant($"{value:0.00} ms");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
