using System.Diagnostics;
using AppHost.Processes;

namespace AppHost.Hosting.Tests;

public class ChildProcessTests
{
    [Fact]
    public async Task OutputLinesAreCapturedAndTheExitCodeReported()
    {
        var lines = new List<string>();
        await using var child = ChildProcess.Start(new ChildProcessSpec("/bin/sh", ["-c", "echo one; echo two >&2; exit 4"]), line => { lock (lines) { lines.Add(line); } });

        Assert.Equal(4, await child.Exited.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(["one", "two"], child.Output.Tail(10).Order());
    }

    [Fact]
    public async Task StoppingTerminatesTheChildAndItsWatchdog()
    {
        var child = ChildProcess.Start(new ChildProcessSpec("/bin/sh", ["-c", "echo started; exec sleep 60"]));
        await WaitForOutputAsync(child, "started");

        await child.StopAsync(TimeSpan.FromSeconds(5));

        Assert.True(child.Exited.IsCompleted);
        Assert.False(TestPorts.IsProcessRunning(child.ProcessId));
        await child.DisposeAsync();
    }

    [Fact]
    public async Task AChildThatIgnoresTerminationIsKilledAfterTheGracePeriod()
    {
        await using var child = ChildProcess.Start(new ChildProcessSpec("/bin/sh", ["-c", "trap '' TERM; echo ready; while :; do sleep 1; done"]));
        await WaitForOutputAsync(child, "ready");

        var stopping = Stopwatch.StartNew();
        await child.StopAsync(TimeSpan.FromMilliseconds(500));

        Assert.True(child.Exited.IsCompleted);
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(30), "StopAsync returned only after the process was gone");
    }

    [Fact]
    public async Task StoppingAlsoEndsTheChildsOwnChildren()
    {
        // The shell dies of SIGTERM at once; its background sleep must not be left behind.
        var pidFile = Path.GetTempFileName();
        await using var parent = ChildProcess.Start(new ChildProcessSpec("/bin/sh", ["-c", $"sleep 300 & echo $! > {pidFile}; echo ready; wait"]));
        await WaitForOutputAsync(parent, "ready");
        var sleeper = int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(TestPorts.IsProcessRunning(sleeper));

        await parent.StopAsync(TimeSpan.FromSeconds(5));

        Assert.True(await WaitUntilAsync(() => !TestPorts.IsProcessRunning(sleeper), TimeSpan.FromSeconds(10)));
        File.Delete(pidFile);
    }

    private static async Task WaitForOutputAsync(ChildProcess child, string line)
    {
        Assert.True(await WaitUntilAsync(() => child.Output.Tail(100).Contains(line), TimeSpan.FromSeconds(10)), $"'{line}' was not printed");
    }

    private static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > timeout)
            {
                return false;
            }
            await Task.Delay(50);
        }
        return true;
    }
}
