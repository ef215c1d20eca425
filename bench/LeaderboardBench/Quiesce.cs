using System.Diagnostics;

namespace LeaderboardBench;

/// <summary>
/// Waits until DynamoDB Local is idle: the stream processor aggregates every accepted match in the
/// background, so a phase that wrote matches leaves work behind that would load the next phase.
/// </summary>
internal static class Quiesce
{
    /// <summary>Below this share of one core, over a whole second, DynamoDB Local counts as idle.</summary>
    private const double IdleShare = 0.10;

    /// <summary>Returns how long it waited, and whether DynamoDB Local became idle within <paramref name="limit"/>.</summary>
    public static async Task<(TimeSpan Waited, bool Idle)> WaitAsync(int dynamoDbPid, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        if (dynamoDbPid <= 0)
        {
            return (TimeSpan.Zero, false);
        }
        var idleSeconds = 0;
        var last = CpuUsage.ProcessTicks(dynamoDbPid);
        while (clock.Elapsed < limit)
        {
            await Task.Delay(TimeSpan.FromSeconds(0.5));
            var now = CpuUsage.ProcessTicks(dynamoDbPid);
            idleSeconds = now - last < IdleShare * 50 ? idleSeconds + 1 : 0;
            last = now;
            if (idleSeconds >= 2)
            {
                return (clock.Elapsed, true);
            }
        }
        return (clock.Elapsed, false);
    }
}
