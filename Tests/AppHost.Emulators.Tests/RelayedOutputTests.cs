using System.Text;
using AppHost.Emulators.Lambda;
using AppHost.Emulators.Processes;

namespace AppHost.Emulators.Tests;

/// <summary>
/// An external environment whose launcher shows the process's output itself and relays it late, as
/// the AppHost's orchestrator does: the log tail still holds what the function wrote.
/// </summary>
public class RelayedOutputTests
{
    private static readonly TimeSpan RelayDelay = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task ALineRelayedLateStillReachesTheLogTailWhenTheCallerAsksForIt()
    {
        var consoleLines = new List<string>();
        var settings = TestFunctions.Settings(maxEnvironments: 1);
        await using var function = new LambdaFunction(settings, line => { lock (consoleLines) { consoleLines.Add(line); } });
        function.AttachExternalEnvironment(async (launch, cancellationToken) =>
        {
            var variables = settings.LambdaVariables(LambdaFunctionSettings.NewLogStreamName(), (await function.ExternalVariables).RuntimeApi, settings.Command!.Environment);
            var process = ChildProcess.Start(settings.Command with { Environment = variables }, line =>
            {
                var writtenAt = DateTimeOffset.UtcNow;
                _ = Task.Delay(RelayDelay).ContinueWith(_ => launch.OnOutput(writtenAt, line), TaskScheduler.Default);
            });
            return new LateRelayingProcess(process);
        });
        await function.ExternalEnvironmentReady;
        // Warm: the invocation below ends long before its line is relayed.
        await function.InvokeAsync(new LambdaInvocationRequest("""{"action":"log","line":"warming up"}"""u8.ToArray()));

        var result = await function.InvokeAsync(new LambdaInvocationRequest(
            Encoding.UTF8.GetBytes("""{"action":"log","line":"written during the invocation"}"""), LogTailRequested: true));

        Assert.Equal(InvocationStatus.Succeeded, result.Status);
        var lines = result.LogTail.Split('\n');
        var start = Array.FindIndex(lines, line => line.StartsWith($"START RequestId: {result.RequestId}", StringComparison.Ordinal));
        var written = Array.FindIndex(lines, line => line.Contains("written during the invocation", StringComparison.Ordinal));
        var end = Array.FindIndex(lines, line => line.StartsWith($"END RequestId: {result.RequestId}", StringComparison.Ordinal));
        Assert.True(start >= 0 && start < written && written < end, result.LogTail);
        // Relayed while this invocation waited, but written before it started: the warm-up's.
        Assert.DoesNotContain("warming up", result.LogTail, StringComparison.Ordinal);
        // The launcher shows the process's output: the environment does not write it to the console again.
        lock (consoleLines)
        {
            Assert.DoesNotContain(consoleLines, line => line.Contains("written during the invocation", StringComparison.Ordinal));
        }
    }

    private sealed class LateRelayingProcess(ChildProcess process) : IFunctionProcess
    {
        public Task<int> Exited => process.Exited;

        public int? ProcessId => process.ProcessId;

        public TimeSpan OutputDelay => RelayDelay * 2;

        public IReadOnlyList<string> LastOutput(int lines) => [];

        public ValueTask DisposeAsync() => process.DisposeAsync();
    }
}
