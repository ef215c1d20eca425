using System.Diagnostics;
using System.Text;
using System.Text.Json;
using AppHost.Emulators.Lambda;
using AppHost.Emulators.Processes;

namespace AppHost.Emulators.Tests;

/// <summary>New code replaces the old in a running function: what is in flight finishes on the old code, the rest runs the new.</summary>
public class CodeSwapTests
{
    private static LambdaInvocationRequest Payload(string json) => new(Encoding.UTF8.GetBytes(json));

    private static JsonElement Json(InvocationResult result) => JsonDocument.Parse(result.Payload).RootElement;

    /// <summary>The test function's command with <c>TEST_FUNCTION_SETTING</c> (echoed by "context") set to <paramref name="marker"/>.</summary>
    private static Func<CancellationToken, Task<ChildProcessSpec>> Code(string marker, string? failInit = null)
    {
        var environment = new Dictionary<string, string> { ["TEST_FUNCTION_SETTING"] = marker };
        if (failInit is not null)
        {
            environment["TEST_FUNCTION_FAIL_INIT"] = failInit;
        }
        return _ => Task.FromResult(new ChildProcessSpec("dotnet", [TestFunctions.AssemblyPath], Path.GetDirectoryName(TestFunctions.AssemblyPath), environment));
    }

    [Fact]
    public async Task AnInvocationInFlightFinishesOnTheOldCodeWhileTheNextRunsTheNew()
    {
        await using var function = new LambdaFunction(TestFunctions.Settings(), command: Code("old"));
        var before = await function.InvokeAsync(Payload("""{"action":"context"}"""));
        using var oldProcess = Process.GetProcessById(Json(before).GetProperty("processId").GetInt32());

        var inFlight = function.InvokeAsync(Payload("""{"action":"context","ms":4000}"""));
        var version = await function.SwapCodeAsync(Code("new"), warmEnvironments: 1);
        var after = await function.InvokeAsync(Payload("""{"action":"context"}"""));
        var finished = await inFlight;

        Assert.Equal(1, version);
        Assert.Equal(1, function.CodeVersion);
        Assert.Equal("old", Json(before).GetProperty("custom").GetString());
        Assert.Equal("old", Json(finished).GetProperty("custom").GetString());
        Assert.Equal(InvocationStatus.Succeeded, finished.Status);
        Assert.Equal("new", Json(after).GetProperty("custom").GetString());
        Assert.NotEqual(oldProcess.Id, Json(after).GetProperty("processId").GetInt32());
        // The old environment leaves once its invocation ended: its process is gone.
        await oldProcess.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        Assert.Equal(1, function.EnvironmentCount);
    }

    [Fact]
    public async Task NewCodeWhoseInitFailsChangesNothingThatServes()
    {
        await using var function = new LambdaFunction(TestFunctions.Settings(), command: Code("working"));
        var before = await function.InvokeAsync(Payload("""{"action":"context"}"""));

        var failure = await Assert.ThrowsAsync<FunctionInitException>(() => function.SwapCodeAsync(Code("broken", failInit: "configuration missing"), warmEnvironments: 1));
        var after = await function.InvokeAsync(Payload("""{"action":"context"}"""));

        Assert.Contains("configuration missing", failure.Message + failure.LastOutput, StringComparison.Ordinal);
        Assert.Equal(0, function.CodeVersion);
        Assert.Equal("working", Json(after).GetProperty("custom").GetString());
        Assert.False(after.ColdStart);
        Assert.Equal(Json(before).GetProperty("processId").GetInt32(), Json(after).GetProperty("processId").GetInt32());
        Assert.Equal(1, function.EnvironmentCount);
    }
}
