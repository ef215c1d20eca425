using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PlatformBench;

/// <summary>
/// Starts the AppHost as a user does and stops it with SIGTERM, several times. Start: from the
/// process start to the console's "Started in" line, which the AppHost prints once every resource
/// is healthy (checked: no FailedToStart, and a request through the gateway answers). Stop: from
/// SIGTERM to the moment the AppHost and every process below it (watchdogs, DynamoDB Local, function
/// processes) are gone.
/// </summary>
internal static partial class AppHostCycle
{
    public static async Task<int> RunAsync(Options options)
    {
        var label = options.Get("label");
        var runs = options.Int("runs", 5);
        var gateway = new Uri(options.Get("gateway"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var starts = new List<double>();
        var reportedStarts = new List<double>();
        var stops = new List<double>();
        var processCounts = new List<int>();
        var failures = 0;
        for (var run = 1; run <= runs; run++)
        {
            var startInfo = new ProcessStartInfo(options.Get("command"))
            {
                WorkingDirectory = options.Get("workdir"),
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in options.List("args"))
            {
                startInfo.ArgumentList.Add(argument);
            }
            var started = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            var stopped = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            var output = new ConcurrentLines();
            void OnLine(object sender, DataReceivedEventArgs line)
            {
                if (line.Data is not { } text)
                {
                    return;
                }
                output.Add(text);
                if (text.Contains("Started in ", StringComparison.Ordinal))
                {
                    started.TrySetResult(text);
                }
                if (text.Contains("Stopped in ", StringComparison.Ordinal))
                {
                    stopped.TrySetResult(text);
                }
            }

            var clock = Stopwatch.StartNew();
            using var process = new Process { StartInfo = startInfo };
            process.OutputDataReceived += OnLine;
            process.ErrorDataReceived += OnLine;
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var ready = await Task.WhenAny(started.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
            var startMs = clock.Elapsed.TotalMilliseconds;
            var ok = ready == started.Task && !output.Any(line => line.Contains("FailedToStart", StringComparison.Ordinal));
            var reported = ok && StartedIn().Match(started.Task.Result) is { Success: true } match
                ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * 1000
                : double.NaN;
            if (ok)
            {
                try
                {
                    using var health = await http.GetAsync(new Uri(gateway, "health"));
                    ok = health.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    ok = false;
                }
            }

            var tree = Descendants(process.Id).Append(process.Id).ToList();
            clock.Restart();
            Signal(process.Id, "TERM");
            var gone = await WaitGoneAsync(tree, TimeSpan.FromSeconds(30));
            var stopMs = clock.Elapsed.TotalMilliseconds;
            if (!gone)
            {
                foreach (var pid in tree.Where(Alive))
                {
                    Signal(pid, "KILL");
                }
                await WaitGoneAsync(tree, TimeSpan.FromSeconds(10));
            }
            process.WaitForExit();
            if (options.Get("log-dir", "") is { Length: > 0 } logDirectory)
            {
                await File.WriteAllLinesAsync(Path.Combine(logDirectory, string.Create(CultureInfo.InvariantCulture, $"{label}-{run}.log")), output.Tail(int.MaxValue));
            }
            var reportedStop = stopped.Task.IsCompleted ? stopped.Task.Result.Trim() : "no 'Stopped in' line";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label} run {run}: healthy after {startMs:0} ms (AppHost says {reported / 1000:0.0} s), {tree.Count} processes; all gone {stopMs:0} ms after SIGTERM ({reportedStop}){(ok && gone ? "" : " FAILED")}"));
            if (!ok || !gone)
            {
                failures++;
                Console.WriteLine(string.Join(Environment.NewLine, output.Tail(30)));
                continue;
            }
            starts.Add(startMs);
            reportedStarts.Add(reported);
            stops.Add(stopMs);
            processCounts.Add(tree.Count);
            await Task.Delay(500);
        }

        var result = new JsonObject
        {
            ["label"] = label,
            ["runs"] = runs,
            ["failures"] = failures,
            ["medianStartMs"] = Stats.Median(starts),
            ["medianReportedStartMs"] = Stats.Median(reportedStarts),
            ["medianStopMs"] = Stats.Median(stops),
            ["maxStartMs"] = starts.Count > 0 ? starts.Max() : double.NaN,
            ["maxStopMs"] = stops.Count > 0 ? stops.Max() : double.NaN,
            ["processes"] = processCounts.Count > 0 ? processCounts.Max() : 0,
            ["startSamplesMs"] = new JsonArray(starts.Select(value => (JsonNode)Math.Round(value)).ToArray()),
            ["stopSamplesMs"] = new JsonArray(stops.Select(value => (JsonNode)Math.Round(value)).ToArray()),
        };
        await File.WriteAllTextAsync(options.Get("out"), result.ToJsonString());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label}: start → healthy median {Stats.Median(starts):0} ms, SIGTERM → all gone median {Stats.Median(stops):0} ms ({starts.Count} runs, {failures} failed)"));
        return failures == 0 ? 0 : 1;
    }

    /// <summary>Every process below <paramref name="root"/>, from /proc.</summary>
    private static List<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // Exited while we looked.
            }
        }
        var result = new List<int>();
        var pending = new Queue<int>([root]);
        while (pending.TryDequeue(out var parent))
        {
            foreach (var (pid, ppid) in parents)
            {
                if (ppid == parent)
                {
                    result.Add(pid);
                    pending.Enqueue(pid);
                }
            }
        }
        return result;
    }

    private static bool Alive(int pid)
    {
        try
        {
            // A zombie (exited, not yet reaped) is gone for our purpose.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task<bool> WaitGoneAsync(List<int> pids, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (pids.Any(Alive))
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }
            await Task.Delay(10);
        }
        return true;
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", signal, pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        kill?.WaitForExit();
    }

    [GeneratedRegex(@"Started in ([0-9.]+) s")]
    private static partial Regex StartedIn();

    private sealed class ConcurrentLines
    {
        private readonly Lock _gate = new();
        private readonly List<string> _lines = [];

        public void Add(string line)
        {
            lock (_gate)
            {
                _lines.Add(line);
            }
        }

        public bool Any(Func<string, bool> predicate)
        {
            lock (_gate)
            {
                return _lines.Any(predicate);
            }
        }

        public List<string> Tail(int count)
        {
            lock (_gate)
            {
                return _lines.Skip(Math.Max(0, _lines.Count - Math.Min(count, _lines.Count))).ToList();
            }
        }
    }
}
