using System.Globalization;

namespace LeaderboardBench;

/// <summary>
/// CPU accounting from Linux's <c>/proc</c>. A snapshot is one line of clock ticks,
/// "machineBusy machineTotal dynamoDb appHost pid:ticks pid:ticks ...", the same line
/// bench/foundation.sh writes around wrk: the AppHost process (API gateway and Lambda emulator), then
/// every process under it — the function environments, the stream processor — except DynamoDB
/// Local. Two snapshots give each party's share in percent of one core (200 % = both cores of a
/// 2-core machine); an app process that starts in between counts from zero, one that exits in
/// between is missing from the second snapshot and its last ticks are lost.
/// </summary>
internal static class CpuUsage
{
    /// <summary>Linux's USER_HZ: clock ticks per second and core.</summary>
    private const double TicksPerSecond = 100;

    public static string Snapshot(int dynamoDbPid, int appHostPid)
    {
        var (busy, total) = MachineTicks();
        var processes = ReadProcesses();
        var functions = processes.Keys.Where(pid => pid != appHostPid && IsUnder(processes, pid, appHostPid, dynamoDbPid))
            .Select(pid => string.Create(CultureInfo.InvariantCulture, $" {pid}:{processes[pid].Ticks}"));
        var dynamoDb = processes.TryGetValue(dynamoDbPid, out var java) ? java.Ticks : 0;
        var appHost = processes.TryGetValue(appHostPid, out var orchestrator) ? orchestrator.Ticks : 0;
        return string.Create(CultureInfo.InvariantCulture, $"{busy} {total} {dynamoDb} {appHost}{string.Concat(functions)}");
    }

    /// <summary>CPU ticks DynamoDB Local has used so far (0 when it is not running).</summary>
    public static long ProcessTicks(int pid) => ReadProcess(pid)?.Ticks ?? 0;

    /// <summary>
    /// The shares between the first and last snapshot of a file, given the generator's own CPU seconds
    /// (wrk or the ceiling tool, measured by itself); null when the file is missing or malformed.
    /// </summary>
    public static CpuShares? Read(string path, double generatorCpuSeconds)
    {
        var lines = File.Exists(path) ? File.ReadAllLines(path).Where(line => line.Length > 0).ToArray() : [];
        if (lines.Length < 2)
        {
            return null;
        }
        var (before, beforeApp) = Parse(lines[0]);
        var (after, afterApp) = Parse(lines[^1]);
        var cores = Environment.ProcessorCount;
        var windowSeconds = (after[1] - before[1]) / (double)cores / TicksPerSecond;
        if (windowSeconds <= 0)
        {
            return null;
        }
        double Percent(long ticks) => 100 * ticks / TicksPerSecond / windowSeconds;
        var machine = Percent(after[0] - before[0]);
        var dynamoDb = Percent(after[2] - before[2]);
        var appHost = Percent(after[3] - before[3]);
        var functions = Percent(afterApp.Sum(process => process.Value - beforeApp.GetValueOrDefault(process.Key)));
        var app = appHost + functions;
        var generator = 100 * generatorCpuSeconds / windowSeconds;
        return new CpuShares(machine, dynamoDb, appHost, functions, generator, Math.Max(0, machine - dynamoDb - app - generator));
    }

    private static (long[] Totals, Dictionary<int, long> App) Parse(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var totals = fields.Take(4).Select(value => long.Parse(value, CultureInfo.InvariantCulture)).ToArray();
        var app = fields.Skip(4).Select(field => field.Split(':')).ToDictionary(
            pair => int.Parse(pair[0], CultureInfo.InvariantCulture), pair => long.Parse(pair[1], CultureInfo.InvariantCulture));
        return (totals, app);
    }

    private static (long Busy, long Total) MachineTicks()
    {
        // cpu  user nice system idle iowait irq softirq steal ...
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1).Take(8).Select(value => long.Parse(value, CultureInfo.InvariantCulture)).ToArray();
        return (fields.Sum() - fields[3] - fields[4], fields.Sum());
    }

    /// <summary>True when <paramref name="pid"/> is <paramref name="root"/> or below it, and not at or below <paramref name="excluded"/>.</summary>
    private static bool IsUnder(Dictionary<int, ProcessTimes> processes, int pid, int root, int excluded)
    {
        for (var current = pid; current > 1 && processes.TryGetValue(current, out var process); current = process.ParentId)
        {
            if (current == excluded)
            {
                return false;
            }
            if (current == root)
            {
                return true;
            }
        }
        return false;
    }

    private static Dictionary<int, ProcessTimes> ReadProcesses()
    {
        var processes = new Dictionary<int, ProcessTimes>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && ReadProcess(pid) is { } times)
            {
                processes[pid] = times;
            }
        }
        return processes;
    }

    private static ProcessTimes? ReadProcess(int pid)
    {
        try
        {
            // "pid (comm) state ppid ... utime stime ...": comm may hold spaces, so split after its ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return new ProcessTimes(
                int.Parse(fields[1], CultureInfo.InvariantCulture),
                long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture));
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            return null; // exited meanwhile, or never there
        }
    }

    private sealed record ProcessTimes(int ParentId, long Ticks);
}

/// <summary>CPU shares over a measured phase, in percent of one core.</summary>
internal sealed record CpuShares(double Machine, double DynamoDb, double AppHost, double Functions, double Generator, double Other)
{
    /// <summary>The AppHost and the functions together.</summary>
    public double App => AppHost + Functions;
}
