using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AppHost.Emulators.Processes;

/// <summary>What to run: a program, its arguments, working directory and extra environment.</summary>
public sealed record ChildProcessSpec(
    string FileName,
    IReadOnlyList<string> Arguments,
    string? WorkingDirectory = null,
    IReadOnlyDictionary<string, string>? Environment = null);

/// <summary>
/// A child process with captured output: the last lines are kept in a bounded buffer and passed to
/// an optional callback. Stopping asks politely first (SIGTERM), then kills the process tree.
/// </summary>
/// <remarks>
/// Nothing here outlives its parent by design: the function processes the Lambda emulator starts
/// end by themselves when their Runtime API (inside the parent) goes away, and the long-lived
/// processes of the app (DynamoDB Local, the DCP-launched functions) are Aspire's, which DCP stops.
/// </remarks>
public sealed partial class ChildProcess : IFunctionProcess
{
    private const int SigTerm = 15;

    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(Process process) => _process = process;

    /// <summary>The last lines of standard output and standard error, interleaved.</summary>
    public OutputBuffer Output { get; } = new();

    /// <summary>Completes with the exit code when the process has exited.</summary>
    public Task<int> Exited => _exited.Task;

    public int ProcessId => _process.Id;

    int? IFunctionProcess.ProcessId => _process.Id;

    TimeSpan IFunctionProcess.OutputDelay => TimeSpan.Zero;

    IReadOnlyList<string> IFunctionProcess.LastOutput(int lines) => Output.Tail(lines);

    /// <summary>Starts the process; <paramref name="onOutput"/> receives every output line.</summary>
    public static ChildProcess Start(ChildProcessSpec spec, Action<string>? onOutput = null)
    {
        var startInfo = new ProcessStartInfo
        {
            FileName = spec.FileName,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? "",
        };
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
    /// Asks the process to stop (SIGTERM; on Windows, closing its input), waits up to
    /// <paramref name="grace"/>, then kills the whole process tree.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_exited.Task.IsCompleted)
        {
            return;
        }
        if (OperatingSystem.IsWindows())
        {
            _process.StandardInput.Close();
        }
        else
        {
            _ = Kill(_process.Id, SigTerm);
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

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int Kill(int processId, int signal);
}
