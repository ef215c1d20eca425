using System.Diagnostics;
using System.Text;
using System.Text.Json;
using AppHost.Emulators.Lambda;
using AppHost.Emulators.Processes;

namespace AppHost.Emulators.Tests;

public class LambdaFunctionTests
{
    private static LambdaInvocationRequest Payload(string json) => new(Encoding.UTF8.GetBytes(json));

    private static JsonElement Json(InvocationResult result) => JsonDocument.Parse(result.Payload).RootElement;

    [Fact]
    public async Task AColdStartIsFollowedByWarmReuseOfTheSameEnvironment()
    {
        var logs = new List<string>();
        await using var function = new LambdaFunction(TestFunctions.Settings(), line => { lock (logs) { logs.Add(line); } });

        var cold = await function.InvokeAsync(Payload("""{"action":"context"}"""));
        var warm = await function.InvokeAsync(Payload("""{"action":"context"}"""));

        Assert.True(cold.ColdStart);
        Assert.False(warm.ColdStart);
        Assert.Equal(Json(cold).GetProperty("processId").GetInt32(), Json(warm).GetProperty("processId").GetInt32());
        Assert.Equal(1, function.EnvironmentCount);
        Assert.Contains("Init Duration", cold.LogTail, StringComparison.Ordinal);
        Assert.DoesNotContain("Init Duration", warm.LogTail, StringComparison.Ordinal);
        Assert.Contains($"START RequestId: {warm.RequestId} Version: $LATEST", warm.LogTail, StringComparison.Ordinal);
        Assert.Contains($"END RequestId: {warm.RequestId}", warm.LogTail, StringComparison.Ordinal);
        Assert.Matches($@"REPORT RequestId: {warm.RequestId}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: \d+ MB", warm.LogTail);
    }

    [Fact]
    public async Task ProvisionedEnvironmentsAreInitialisedAheadOfTrafficAndTheirFirstInvocationsAreWarm()
    {
        await using var function = new LambdaFunction(TestFunctions.Settings(provisionedConcurrency: 2));

        Assert.Equal(2, await function.ProvisionAsync());
        var environments = function.EnvironmentCount;
        // Two invocations hold the provisioned environments while a third arrives, longer than a new
        // environment's init takes even on a busy machine, so the third runs on the one it asked for.
        var holding = Enumerable.Range(0, 2).Select(_ => function.InvokeAsync(Payload("""{"action":"context","ms":5000}"""))).ToList();
        var results = await Task.WhenAll([.. holding, function.InvokeAsync(Payload("""{"action":"context"}"""))]);

        Assert.Equal(2, environments);
        var provisioned = results.Where(result => Json(result).GetProperty("initializationType").GetString() == "provisioned-concurrency").ToList();
        Assert.Equal(2, provisioned.Count);
        Assert.All(provisioned, result =>
        {
            Assert.False(result.ColdStart);
            Assert.Null(result.InitDuration);
            Assert.DoesNotContain("Init Duration", result.LogTail, StringComparison.Ordinal);
        });
        // Beyond the provisioned environments, Lambda scales on demand: a cold start.
        var onDemand = Assert.Single(results, result => Json(result).GetProperty("initializationType").GetString() == "on-demand");
        Assert.True(onDemand.ColdStart);
        Assert.Contains("Init Duration", onDemand.LogTail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProvisionedConcurrencyAboveTheEnvironmentLimitStartsAsManyAsTheLimitAllows()
    {
        await using var function = new LambdaFunction(TestFunctions.Settings(provisionedConcurrency: 3, maxEnvironments: 2));

        var started = await function.ProvisionAsync();

        Assert.Equal(2, started);
        Assert.Equal(2, function.EnvironmentCount);
    }

    [Fact]
    public async Task TheContextCarriesTheFunctionSettingsAndTheRequest()
    {
        await using var function = new LambdaFunction(TestFunctions.Settings(environment: new Dictionary<string, string> { ["TEST_FUNCTION_SETTING"] = "configured" }));

        var result = await function.InvokeAsync(new LambdaInvocationRequest("""{"action":"context"}"""u8.ToArray(), ClientContext: """{"client":{"app":"tests"}}"""));

        var context = Json(result);
        Assert.Equal(result.RequestId, context.GetProperty("requestId").GetString());
        Assert.Equal("test-function", context.GetProperty("functionName").GetString());
        Assert.Equal("$LATEST", context.GetProperty("functionVersion").GetString());
        Assert.Equal(256, context.GetProperty("memoryLimitInMB").GetInt32());
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:test-function", context.GetProperty("invokedFunctionArn").GetString());
        Assert.Equal("/aws/lambda/test-function", context.GetProperty("logGroupName").GetString());
        Assert.Contains("[$LATEST]", context.GetProperty("logStreamName").GetString(), StringComparison.Ordinal);
        Assert.InRange(context.GetProperty("remainingMs").GetDouble(), 1, 10_000);
        Assert.StartsWith("Root=1-", context.GetProperty("traceId").GetString(), StringComparison.Ordinal);
        Assert.Equal("""{"client":{"app":"tests"}}""", context.GetProperty("clientContext").GetString());
        Assert.Equal("Lambda.TestFunction", context.GetProperty("handler").GetString());
        Assert.Equal("us-east-1", context.GetProperty("region").GetString());
        Assert.Equal("configured", context.GetProperty("custom").GetString());
    }

    [Fact]
    public async Task ParallelInvocationsRunInSeparateEnvironmentsUpToTheLimitThenAreThrottled()
    {
        await using var function = new LambdaFunction(TestFunctions.Settings(reservedConcurrency: 3));
        // Warm three environments with overlapping invocations.
        var first = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => function.InvokeAsync(Payload("""{"action":"sleep","ms":1500}"""))));
        Assert.Equal(3, first.Select(result => Json(result).GetProperty("processId").GetInt32()).Distinct().Count());

        var busy = Enumerable.Range(0, 3).Select(_ => function.InvokeAsync(Payload("""{"action":"sleep","ms":1500}"""))).ToList();
        await Task.Delay(300);
        var extra = await function.InvokeAsync(Payload("""{"action":"context"}"""));
        await Task.WhenAll(busy);

        Assert.Equal(InvocationStatus.Throttled, extra.Status);
        Assert.All(busy, invocation => Assert.Equal(InvocationStatus.Succeeded, invocation.Result.Status));
        Assert.Equal(3, function.EnvironmentCount);
    }

    [Fact]
    public async Task InvocationsBeyondTheMachinesCapWaitForAFreeEnvironmentInsteadOfBeingThrottled()
    {
        await using var function = new LambdaFunction(TestFunctions.Settings(maxEnvironments: 2));

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => function.InvokeAsync(Payload("""{"action":"sleep","ms":400}"""))));

        Assert.All(results, result => Assert.Equal(InvocationStatus.Succeeded, result.Status));
        Assert.Equal(2, results.Select(result => Json(result).GetProperty("processId").GetInt32()).Distinct().Count());
        Assert.Equal(0, function.Counters.Throttles);
        Assert.Equal(2, function.EnvironmentCount);
    }

    [Fact]
    public async Task ATimeoutIsReportedAndTheEnvironmentReplaced()
    {
        await using var function = new LambdaFunction(TestFunctions.Settings(timeout: TimeSpan.FromSeconds(1)));
        var before = Json(await function.InvokeAsync(Payload("""{"action":"context"}"""))).GetProperty("processId").GetInt32();

        var timedOut = await function.InvokeAsync(Payload("""{"action":"sleep","ms":5000}"""));
        var after = await function.InvokeAsync(Payload("""{"action":"context"}"""));

        Assert.Equal(InvocationStatus.FunctionError, timedOut.Status);
        Assert.Equal("Sandbox.Timedout", Json(timedOut).GetProperty("errorType").GetString());
        Assert.EndsWith("Task timed out after 1.00 seconds", Json(timedOut).GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.True(after.ColdStart);
        Assert.NotEqual(before, Json(after).GetProperty("processId").GetInt32());
    }

    [Fact]
    public async Task AProcessThatExitsMidInvocationIsAnExitErrorAndTheNextInvocationStartsFresh()
    {
        await using var function = new LambdaFunction(TestFunctions.Settings());

        var crashed = await function.InvokeAsync(Payload("""{"action":"exit","code":3}"""));
        var next = await function.InvokeAsync(Payload("""{"action":"context"}"""));

        Assert.Equal(InvocationStatus.FunctionError, crashed.Status);
        Assert.Equal("Runtime.ExitError", Json(crashed).GetProperty("errorType").GetString());
        Assert.Contains("exit status 3", Json(crashed).GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Contains("exiting on purpose", crashed.LogTail, StringComparison.Ordinal);
        Assert.Equal(InvocationStatus.Succeeded, next.Status);
        Assert.True(next.ColdStart);
    }

    [Fact]
    public async Task AFunctionThatFailsInitIsReportedAsAnInitError()
    {
        await using var function = new LambdaFunction(TestFunctions.Settings(environment: new Dictionary<string, string> { ["TEST_FUNCTION_FAIL_INIT"] = "no configuration" }));

        var result = await function.InvokeAsync(Payload("{}"));

        Assert.Equal(InvocationStatus.FunctionError, result.Status);
        Assert.Equal("Runtime.InitError", Json(result).GetProperty("errorType").GetString());
        Assert.Contains("no configuration", Json(result).GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, function.EnvironmentCount);
    }

    [Fact]
    public async Task AHandlerExceptionBecomesAFunctionErrorAndTheEnvironmentStaysWarm()
    {
        await using var function = new LambdaFunction(TestFunctions.Settings());

        var failed = await function.InvokeAsync(Payload("""{"action":"throw","message":"bad input"}"""));
        var next = await function.InvokeAsync(Payload("""{"action":"context"}"""));

        Assert.Equal(InvocationStatus.FunctionError, failed.Status);
        var error = Json(failed);
        Assert.Equal("System.InvalidOperationException", error.GetProperty("errorType").GetString());
        Assert.Equal("bad input", error.GetProperty("errorMessage").GetString());
        Assert.True(error.GetProperty("stackTrace").GetArrayLength() > 0);
        Assert.False(next.ColdStart);
    }

    [Fact]
    public async Task AResponseOverSixMegabytesIsAnError()
    {
        await using var function = new LambdaFunction(TestFunctions.Settings());

        var result = await function.InvokeAsync(Payload($$"""{"action":"bigResponse","bytes":{{LambdaLimits.SynchronousPayloadBytes + 10}}}"""));

        Assert.Equal(InvocationStatus.FunctionError, result.Status);
        Assert.Equal("Function.ResponseSizeTooLarge", Json(result).GetProperty("errorType").GetString());
    }

    [Fact]
    public async Task AResponseJustUnderTheLimitIsReturnedWhole()
    {
        await using var function = new LambdaFunction(TestFunctions.Settings());

        var result = await function.InvokeAsync(Payload($$"""{"action":"bigResponse","bytes":{{LambdaLimits.SynchronousPayloadBytes - 100}}}"""));

        Assert.Equal(InvocationStatus.Succeeded, result.Status);
        Assert.Equal(LambdaLimits.SynchronousPayloadBytes - 98, result.Payload.Length);
    }

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
    public async Task SavesInQuickSuccessionRelaunchTheExternalEnvironmentOnceTheCodeHasSettled()
    {
        var settings = TestFunctions.Settings();
        await using var function = new LambdaFunction(settings, command: Code("old"));
        var launches = new List<(bool Relaunch, long At)>();
        function.AttachExternalEnvironment(async (launch, cancellationToken) =>
        {
            lock (launches)
            {
                launches.Add((launch.Relaunch, Stopwatch.GetTimestamp()));
            }
            var variables = settings.LambdaVariables(LambdaFunctionSettings.NewLogStreamName(), (await function.ExternalVariables).RuntimeApi, settings.Command!.Environment);
            return ChildProcess.Start(settings.Command with { Environment = variables });
        });
        await function.ExternalEnvironmentReady;

        await function.SwapCodeAsync(Code("first save"), warmEnvironments: 1);
        await Task.Delay(LambdaFunction.RelaunchSettleTime / 2);
        await function.SwapCodeAsync(Code("second save"), warmEnvironments: 1);
        var secondSwap = Stopwatch.GetTimestamp();

        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 30;
        while (Volatile.Read(ref launches).Count < 2 && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(50);
        }
        (bool Relaunch, long At) relaunch;
        lock (launches)
        {
            Assert.True(launches.Count == 2, "the external environment was not launched again");
            relaunch = launches[1];
        }
        Assert.True(relaunch.Relaunch);
        Assert.True(Stopwatch.GetElapsedTime(secondSwap, relaunch.At) >= LambdaFunction.RelaunchSettleTime,
            $"relaunched {Stopwatch.GetElapsedTime(secondSwap, relaunch.At).TotalSeconds:0.0} s after the last swap");
        await Task.Delay(LambdaFunction.RelaunchSettleTime);
        lock (launches)
        {
            Assert.Equal(2, launches.Count);
        }
    }

    [Fact]
    public async Task AfterASwapEachEnvironmentServesOneInvocationAtATime()
    {
        await using var function = new LambdaFunction(TestFunctions.Settings(), command: Code("old"));
        await function.InvokeAsync(Payload("""{"action":"context"}"""));

        await function.SwapCodeAsync(Code("new"), warmEnvironments: 1);
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => function.InvokeAsync(Payload("""{"action":"context","ms":300}"""))));

        Assert.All(results, result =>
        {
            Assert.Equal(InvocationStatus.Succeeded, result.Status);
            Assert.Equal("new", Json(result).GetProperty("custom").GetString());
        });
        // A waiting invocation may go to an environment that came free before another finished its init,
        // so the number of environments varies; what may never happen is two invocations in one at once.
        var byEnvironment = results.Select(Json).GroupBy(answer => answer.GetProperty("processId").GetInt32()).ToList();
        Assert.True(byEnvironment.Count >= 2, $"4 concurrent invocations ran in {byEnvironment.Count} environment(s)");
        Assert.All(byEnvironment, environment =>
        {
            var held = environment
                .Select(answer => (Start: answer.GetProperty("startedAtMs").GetInt64(), End: answer.GetProperty("finishedAtMs").GetInt64()))
                .OrderBy(span => span.Start)
                .ToList();
            Assert.All(held.Zip(held.Skip(1)), pair => Assert.True(pair.Second.Start >= pair.First.End,
                $"environment {environment.Key} ran two invocations at once: {pair.First} and {pair.Second}"));
        });
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
