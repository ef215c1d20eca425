using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace AppHost.Emulators.Lambda;

/// <summary>
/// What one execution environment logs. Every line the environment writes goes to the function's
/// console; while an invocation runs, its lines also make up the invocation's log, whose last 4 KB is
/// the log tail returned with <c>LogType: Tail</c>.
/// </summary>
internal sealed class InvocationLog(Action<string> console)
{
    /// <summary>The longest an invocation whose caller asked for the log tail waits for late output (see <see cref="Processes.IFunctionProcess.OutputDelay"/>).</summary>
    private static readonly TimeSpan LateOutputWaitLimit = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private StringBuilder? _lines;
    private DateTimeOffset _startedAt;
    private long _lastRelayedAt;

    /// <summary>Starts the log of an invocation.</summary>
    public void Open()
    {
        lock (_gate)
        {
            _lines = new StringBuilder();
            _startedAt = DateTimeOffset.UtcNow;
        }
    }

    /// <summary>Ends the invocation's log and returns its tail.</summary>
    public string Close()
    {
        string lines;
        lock (_gate)
        {
            lines = _lines!.ToString();
            _lines = null;
        }
        return TailOf(lines);
    }

    /// <summary>A line for the function's console, and for the log of the invocation running now.</summary>
    public void Write(string line)
    {
        lock (_gate)
        {
            _lines?.Append(line).Append('\n');
        }
        console(line);
    }

    /// <summary>
    /// A line the function process wrote at <paramref name="writtenAt"/>, which its launcher already
    /// shows on the function's console: part of the log of the invocation it was written in. A line
    /// written before the invocation started is an earlier invocation's, arriving late.
    /// </summary>
    public void AddRelayed(DateTimeOffset writtenAt, string line)
    {
        lock (_gate)
        {
            if (_lines is not null && writtenAt >= _startedAt)
            {
                _lines.Append(line).Append('\n');
                _lastRelayedAt = Stopwatch.GetTimestamp();
            }
        }
    }

    /// <summary>
    /// Lines the process wrote during the invocation may be relayed up to <paramref name="outputDelay"/>
    /// after it ended: waits until none has arrived for that long (or <see cref="LateOutputWaitLimit"/>
    /// has passed), so the log holds them.
    /// </summary>
    public async Task WaitForRelayedOutputAsync(TimeSpan outputDelay)
    {
        if (outputDelay <= TimeSpan.Zero)
        {
            return;
        }
        var ended = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(ended) < LateOutputWaitLimit)
        {
            long lastRelayedAt;
            lock (_gate)
            {
                lastRelayedAt = _lastRelayedAt;
            }
            var quietFor = Stopwatch.GetElapsedTime(Math.Max(ended, lastRelayedAt));
            if (quietFor >= outputDelay)
            {
                return;
            }
            await Task.Delay(outputDelay - quietFor);
        }
    }

    /// <summary>The REPORT line Lambda writes at the end of an invocation; the init is billed with the invocation that ran it.</summary>
    public static string ReportLine(string requestId, TimeSpan duration, TimeSpan? initDuration, int memorySizeMb, long maxMemoryUsedMb)
    {
        var report = new StringBuilder().Append(CultureInfo.InvariantCulture, $"REPORT RequestId: {requestId}\tDuration: {duration.TotalMilliseconds:0.00} ms\t")
            .Append(CultureInfo.InvariantCulture, $"Billed Duration: {Math.Ceiling(duration.TotalMilliseconds + (initDuration?.TotalMilliseconds ?? 0)):0} ms\t")
            .Append(CultureInfo.InvariantCulture, $"Memory Size: {memorySizeMb} MB\tMax Memory Used: {maxMemoryUsedMb} MB");
        if (initDuration is { } init)
        {
            report.Append(CultureInfo.InvariantCulture, $"\tInit Duration: {init.TotalMilliseconds:0.00} ms");
        }
        return report.ToString();
    }

    private static string TailOf(string log)
    {
        var bytes = Encoding.UTF8.GetBytes(log);
        return bytes.Length <= LambdaLimits.LogTailBytes
            ? log
            : Encoding.UTF8.GetString(bytes, bytes.Length - LambdaLimits.LogTailBytes, LambdaLimits.LogTailBytes);
    }
}
