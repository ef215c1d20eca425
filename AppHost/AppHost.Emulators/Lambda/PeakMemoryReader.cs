using System.Diagnostics;
using System.Globalization;

namespace AppHost.Emulators.Lambda;

/// <summary>
/// A function process's peak resident memory (VmHWM), where /proc tells it, for the REPORT line's
/// Max Memory Used. Reading /proc costs more than a small invocation, so under load it is read at
/// most once per <see cref="ReadInterval"/>.
/// </summary>
internal sealed class PeakMemoryReader
{
    private static readonly TimeSpan ReadInterval = TimeSpan.FromSeconds(1);

    private long _readAt;
    private long _peakMb;

    /// <summary>The peak in MB of <paramref name="processId"/> (0 while the process is unknown).</summary>
    public long PeakMb(int? processId)
    {
        if (processId is null)
        {
            return 0;
        }
        if (_readAt != 0 && Stopwatch.GetElapsedTime(_readAt) < ReadInterval)
        {
            return _peakMb;
        }
        _readAt = Stopwatch.GetTimestamp();
        try
        {
            var line = File.ReadLines($"/proc/{processId}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            var kilobytes = line is null ? 0 : long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            _peakMb = kilobytes / 1024;
        }
        catch (IOException)
        {
            // The process has just exited: the last value read stands.
        }
        return _peakMb;
    }
}
