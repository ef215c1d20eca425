using System.Diagnostics;

namespace AppHost.Processes;

/// <summary>What to run: a program, its arguments, working directory and extra environment.</summary>
public sealed record ChildProcessSpec(
    string FileName,
    IReadOnlyList<string> Arguments,
    string? WorkingDirectory = null,
    IReadOnlyDictionary<string, string>? Environment = null);

/// <summary>
/// A child process that cannot outlive its parent. On Unix it runs in its own process group
/// (<c>setsid</c>) under a small shell watchdog that holds the read end of a pipe whose write end
/// only this process has: when this process exits — cleanly, by crash or by SIGKILL — the pipe
/// closes and the watchdog terminates the child's whole group (SIGTERM, then SIGKILL after five
/// seconds). Its own process group also keeps a terminal's Ctrl+C from reaching the child
/// directly, so the parent stops children in order. Output lines are kept in a bounded buffer and
/// passed to an optional callback.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    // A signal sent to the whole process group (a terminal's Ctrl+C, `timeout`) must not kill the
    // watchdog and leave the child behind: the watchdog traps it (a trap, unlike an ignored signal,
    // is not inherited by the child) and then stops the child as if the pipe had closed.
    private const string WatchdogScript = """
        trap ':' INT TERM HUP
        exec 3<&0
        if command -v setsid >/dev/null 2>&1; then
          setsid "$@" </dev/null &
          child=$!
          group="-$child"
        else
          "$@" </dev/null &
          child=$!
          group="$child"
        fi
        (
          trap ':' INT TERM HUP
          while read -r _ <&3; do :; done
          kill -s TERM -- "$group" 2>/dev/null || kill -s TERM "$child" 2>/dev/null
          waited=0
          while kill -0 "$child" 2>/dev/null && [ "$waited" -lt 50 ]; do sleep 0.1; waited=$((waited + 1)); done
          kill -s KILL -- "$group" 2>/dev/null || kill -s KILL "$child" 2>/dev/null
        ) >/dev/null 2>&1 &
        watchdog=$!
        exec 3<&-
        while :; do
          wait "$child"
          status=$?
          kill -0 "$child" 2>/dev/null || break
        done
        kill "$watchdog" 2>/dev/null
        kill -s KILL -- "$group" 2>/dev/null
        exit "$status"
        """;

    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(Process process) => _process = process;

    /// <summary>The last lines of standard output and standard error, interleaved.</summary>
    public OutputBuffer Output { get; } = new();

    /// <summary>Completes with the exit code when the process has exited.</summary>
    public Task<int> Exited => _exited.Task;

    public int ProcessId => _process.Id;

    /// <summary>
    /// The id of the program itself (below the watchdog shell), where Linux's /proc tells it: the
    /// shell's child that leads its own process group. Null elsewhere or once it has exited.
    /// </summary>
    public int? MainProcessId()
    {
        var shell = _process.Id;
        try
        {
            var children = File.ReadAllText($"/proc/{shell}/task/{shell}/children")
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(id => int.Parse(id, System.Globalization.CultureInfo.InvariantCulture));
            foreach (var child in children)
            {
                // /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may contain spaces, so read after the last ')'.
                var stat = File.ReadAllText($"/proc/{child}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[2] == child.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    return child;
                }
            }
        }
        catch (IOException)
        {
            // Not Linux, or the process is gone.
        }
        catch (UnauthorizedAccessException)
        {
            // /proc is not readable here.
        }
        return null;
    }

    /// <summary>Starts the process; <paramref name="onOutput"/> receives every output line.</summary>
    public static ChildProcess Start(ChildProcessSpec spec, Action<string>? onOutput = null)
    {
        var startInfo = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? "",
        };
        if (OperatingSystem.IsWindows())
        {
            startInfo.FileName = spec.FileName;
        }
        else
        {
            startInfo.FileName = "/bin/sh";
            startInfo.ArgumentList.Add("-c");
            startInfo.ArgumentList.Add(WatchdogScript);
            startInfo.ArgumentList.Add("watchdog");
            startInfo.ArgumentList.Add(spec.FileName);
        }
        foreach (var argument in spec.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in spec.Environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var child = new ChildProcess(process);
        void OnLine(object sender, DataReceivedEventArgs line)
        {
            if (line.Data is { } text)
            {
                child.Output.Add(text);
                onOutput?.Invoke(text);
            }
        }
        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.Exited += (_, _) => child.OnExited();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    private void OnExited()
    {
        // Let the output readers drain before reporting the exit.
        _process.WaitForExit();
        _exited.TrySetResult(_process.ExitCode);
    }

    /// <summary>
    /// Asks the process to stop (SIGTERM through the watchdog), waits up to <paramref name="grace"/>,
    /// then kills the whole process tree.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_exited.Task.IsCompleted)
        {
            return;
        }
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The watchdog is already gone; the kill below handles the rest.
        }
        if (await Task.WhenAny(_exited.Task, Task.Delay(grace)) != _exited.Task)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited between the wait and the kill.
            }
            await _exited.Task.WaitAsync(TimeSpan.FromSeconds(5));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5));
        _process.Dispose();
    }
}
