using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace PlatformBench;

/// <summary>
/// Starts the AppHost as a user does and stops it, several times. Start: from the process start to
/// the first <c>GET /health</c> through the gateway that answers 200 (the gateway starts last, once
/// its functions are healthy, and the request crosses gateway, emulator and function). Then the
/// resident memory of the AppHost, DCP and the dashboard. Stop (<c>--stop term</c>): SIGTERM to the
/// AppHost; (<c>--stop group-kill</c>): SIGKILL to its whole process group, as a CI cancellation does.
/// Stopped means every process that was below the AppHost is gone.
/// </summary>
internal static class AppHostCycle
{
    public static async Task<int> RunAsync(Options options)
    {
        var label = options.Get("label");
        var runs = options.Int("runs", 5);
        var gateway = new Uri(options.Get("gateway"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var starts = new List<double>();
        var stops = new List<double>();
        var memory = new List<(double AppHost, double Dcp, double Dashboard)>();
        var groupKill = options.Get("stop", "term") == "group-kill";
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
                var output = new ConcurrentLines();
            void OnLine(object sender, DataReceivedEventArgs line)
            {
                if (line.Data is not { } text)
                {
                    return;
                }
                output.Add(text);
            }

            var before = AllProcesses().ToHashSet();
            var clock = Stopwatch.StartNew();
            using var process = new Process { StartInfo = startInfo };
            process.OutputDataReceived += OnLine;
            process.ErrorDataReceived += OnLine;
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var ok = await AnswersAsync(http, new Uri(gateway, "health"), process, TimeSpan.FromSeconds(120));
            var startMs = clock.Elapsed.TotalMilliseconds;

            // DCP runs in sessions of its own, so the app is every new process of its kinds, not the AppHost's descendants.
            var tree = AllProcesses().Where(pid => !before.Contains(pid) && IsOfTheApp(pid)).ToList();
            var rss = (AppHost: ResidentMb(tree.Where(pid => NameOf(pid) == "AppHost")),
                Dcp: ResidentMb(tree.Where(pid => NameOf(pid).StartsWith("dcp", StringComparison.Ordinal))),
                Dashboard: ResidentMb(tree.Where(pid => NameOf(pid).StartsWith("Aspire.Dashboar", StringComparison.Ordinal))));
            clock.Restart();
            if (groupKill)
            {
                // Only a group the AppHost leads (setsid): never this tool's own.
                if (GroupOf(process.Id) != process.Id)
                {
                    throw new InvalidOperationException($"process {process.Id} does not lead its process group; start it with setsid");
                }
                Signal(-process.Id, "KILL");
            }
            else
            {
                Signal(process.Id, "TERM");
            }
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
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label} run {run}: every resource runs after {startMs:0} ms, {tree.Count} processes, RSS AppHost {rss.AppHost:0} MB, DCP {rss.Dcp:0} MB, dashboard {rss.Dashboard:0} MB; all gone {stopMs:0} ms after {(groupKill ? "SIGKILL to the group" : "SIGTERM")}{(ok && gone ? "" : " FAILED")}"));
            if (!ok || !gone)
            {
                failures++;
                Console.WriteLine(string.Join(Environment.NewLine, output.Tail(30)));
                continue;
            }
            starts.Add(startMs);
            memory.Add(rss);
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
            ["medianRssAppHostMb"] = Stats.Median(memory.Select(sample => sample.AppHost).ToList()),
            ["medianRssDcpMb"] = Stats.Median(memory.Select(sample => sample.Dcp).ToList()),
            ["medianRssDashboardMb"] = Stats.Median(memory.Select(sample => sample.Dashboard).ToList()),
            ["stop"] = groupKill ? "group-kill" : "term",
            ["medianStopMs"] = Stats.Median(stops),
            ["maxStartMs"] = starts.Count > 0 ? starts.Max() : double.NaN,
            ["maxStopMs"] = stops.Count > 0 ? stops.Max() : double.NaN,
            ["processes"] = processCounts.Count > 0 ? processCounts.Max() : 0,
            ["startSamplesMs"] = new JsonArray(starts.Select(value => (JsonNode)Math.Round(value)).ToArray()),
            ["stopSamplesMs"] = new JsonArray(stops.Select(value => (JsonNode)Math.Round(value)).ToArray()),
        };
        await File.WriteAllTextAsync(options.Get("out"), result.ToJsonString());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label}: start → every resource runs median {Stats.Median(starts):0} ms, stop → all gone median {Stats.Median(stops):0} ms ({starts.Count} runs, {failures} failed)"));
        return failures == 0 ? 0 : 1;
    }

    private static IEnumerable<int> AllProcesses() => Directory.EnumerateDirectories("/proc")
        .Select(directory => int.TryParse(Path.GetFileName(directory), out var pid) ? pid : 0)
        .Where(pid => pid > 0);

    /// <summary>The AppHost, DCP, the dashboard, DynamoDB Local, the functions and the `dotnet run` hosts of any of them.</summary>
    private static bool IsOfTheApp(int pid)
    {
        var name = NameOf(pid);
        if (name is "AppHost" or "java" || name.StartsWith("dcp", StringComparison.Ordinal)
            || name.StartsWith("Aspire.Dashboar", StringComparison.Ordinal) || name.StartsWith("Leaderboard.", StringComparison.Ordinal))
        {
            return Alive(pid);
        }
        try
        {
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            return name == "dotnet" && (commandLine.Contains(" run ", StringComparison.Ordinal) || commandLine.Contains("Leaderboard.", StringComparison.Ordinal)) && Alive(pid);
        }
        catch (IOException)
        {
            return false;
        }
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

    private static int GroupOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[2], CultureInfo.InvariantCulture);
    }

    /// <summary>Sends a signal to a process, or to a process group when <paramref name="pid"/> is negative.</summary>
    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", signal, "--", pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        kill?.WaitForExit();
    }

    /// <summary>Polls <paramref name="url"/> until it answers 2xx; false if the process exits or time runs out.</summary>
    private static async Task<bool> AnswersAsync(HttpClient http, Uri url, Process process, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(url);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(50);
        }
        return false;
    }

    private static string NameOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>The processes' resident memory (VmRSS) in MB.</summary>
    private static double ResidentMb(IEnumerable<int> pids) => pids.Sum(pid =>
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException)
        {
            return 0;
        }
    });

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
