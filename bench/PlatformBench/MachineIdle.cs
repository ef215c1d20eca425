using System.Globalization;

namespace PlatformBench;

/// <summary>Waits for the machine to settle (Linux <c>/proc/stat</c>), so a measurement does not start on the tail of its own set-up.</summary>
internal static class MachineIdle
{
    /// <summary>
    /// Returns once at least <paramref name="idlePercent"/> % of the CPU was idle over a second, or after
    /// <paramref name="patience"/>; the seconds waited.
    /// </summary>
    public static async Task<double> WaitAsync(int idlePercent, TimeSpan patience)
    {
        var started = DateTime.UtcNow;
        while (DateTime.UtcNow - started < patience)
        {
            var (idleBefore, totalBefore) = ReadCpu();
            await Task.Delay(TimeSpan.FromSeconds(1));
            var (idleAfter, totalAfter) = ReadCpu();
            if ((idleAfter - idleBefore) * 100 >= idlePercent * (totalAfter - totalBefore))
            {
                break;
            }
        }
        return (DateTime.UtcNow - started).TotalSeconds;
    }

    /// <summary>The idle (idle + iowait) and total jiffies of all CPUs since boot.</summary>
    private static (long Idle, long Total) ReadCpu()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..9]
            .Select(field => long.Parse(field, CultureInfo.InvariantCulture)).ToArray();
        return (fields[3] + fields[4], fields.Sum());
    }
}
