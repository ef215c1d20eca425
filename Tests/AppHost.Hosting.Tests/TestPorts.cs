// The process tests rely on /bin/sh and Unix signals.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

namespace AppHost.Hosting.Tests;

internal static class TestPorts
{
    public static bool IsProcessRunning(int processId)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
