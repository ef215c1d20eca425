using System.Text;
using AppHost.Emulators.Lambda;

namespace AppHost.Emulators.Tests;

/// <summary>The emulator's CloudWatch-named instruments, read in-process as an OpenTelemetry exporter would read them.</summary>
public sealed class LambdaMetricsTests : IDisposable
{
    private readonly MeasurementRecorder _recorder = new(LambdaMetrics.MeterName, LambdaMetrics.FunctionNameTag);

    private List<double> Values(string instrument, string function) =>
        _recorder.Measurements.Where(measurement => measurement.Instrument == instrument && measurement.Tag == function).Select(measurement => measurement.Value).ToList();

    public void Dispose() => _recorder.Dispose();

    [Fact]
    public async Task SixteenCallersBeyondTheMachinesCapAllSucceedAndTheMetricsShowTheWaitAndTheScaling()
    {
        var name = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        await using var function = new LambdaFunction(TestFunctions.Settings(name: name, maxEnvironments: 2));
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                _recorder.RecordObservableInstruments();
                await Task.Delay(20, CancellationToken.None);
            }
        });

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ =>
            function.InvokeAsync(new LambdaInvocationRequest(Encoding.UTF8.GetBytes("""{"action":"sleep","ms":150}""")))));
        await sampling.CancelAsync();
        await sampler;

        Assert.All(results, result => Assert.Equal(InvocationStatus.Succeeded, result.Status));
        Assert.Equal(16, Values("Invocations", name).Sum());
        Assert.Empty(Values("Throttles", name));
        Assert.Empty(Values("Errors", name));
        Assert.Equal(2, Values("ColdStarts", name).Sum());
        Assert.Equal(16, Values("Duration", name).Count);
        Assert.Equal(2, Values("InitDuration", name).Count);
        Assert.Contains(Values("WaitingInvocations", name), waiting => waiting > 0);
        Assert.All(Values("ConcurrentExecutions", name), running => Assert.InRange(running, 0, 16));
        Assert.Contains(Values("Environments", name), environments => environments == 2);
    }

    [Fact]
    public async Task AThrottleAndAnErrorAreCountedUnderTheFunctionsName()
    {
        var name = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        await using var function = new LambdaFunction(TestFunctions.Settings(name: name, reservedConcurrency: 1));

        var busy = function.InvokeAsync(new LambdaInvocationRequest("""{"action":"sleep","ms":1500}"""u8.ToArray()));
        await Task.Delay(500);
        var throttled = await function.InvokeAsync(new LambdaInvocationRequest("""{"action":"context"}"""u8.ToArray()));
        await busy;
        var failed = await function.InvokeAsync(new LambdaInvocationRequest("""{"action":"throw"}"""u8.ToArray()));

        Assert.Equal(InvocationStatus.Throttled, throttled.Status);
        Assert.Equal(InvocationStatus.FunctionError, failed.Status);
        Assert.Equal(1, Values("Throttles", name).Sum());
        Assert.Equal(1, Values("Errors", name).Sum());
        Assert.Equal(2, Values("Invocations", name).Sum());
    }

    [Fact]
    public async Task WaitingForAnEnvironmentDoesNotCountAgainstTheFunctionsTimeout()
    {
        var name = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        await using var function = new LambdaFunction(TestFunctions.Settings(name: name, maxEnvironments: 1, timeout: TimeSpan.FromSeconds(6)));
        await function.InvokeAsync(new LambdaInvocationRequest("""{"action":"context"}"""u8.ToArray()));

        // One environment: the last of eight callers waits for the seven others (7 s), longer than its 6 s
        // timeout, which runs from the start of its invocation in the environment, as in Lambda. Each run
        // (1 s) stays far inside the timeout, so a busy machine does not decide it.
        var callers = Enumerable.Range(0, 8).Select(_ => function.InvokeAsync(new LambdaInvocationRequest("""{"action":"sleep","ms":1000}"""u8.ToArray()))).ToList();
        var results = await Task.WhenAll(callers);

        Assert.All(results, result => Assert.Equal(InvocationStatus.Succeeded, result.Status));
        Assert.Equal(0, Values("Throttles", name).Sum());
        Assert.Equal(1, function.EnvironmentCount);
    }

    [Fact]
    public async Task ACallerThatGivesUpWhileWaitingForAnEnvironmentLeavesWithoutRunning()
    {
        var name = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        await using var function = new LambdaFunction(TestFunctions.Settings(name: name, maxEnvironments: 1));
        await function.InvokeAsync(new LambdaInvocationRequest("""{"action":"context"}"""u8.ToArray()));
        var busy = function.InvokeAsync(new LambdaInvocationRequest("""{"action":"sleep","ms":2000}"""u8.ToArray()));

        using var givingUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            function.InvokeAsync(new LambdaInvocationRequest("""{"action":"context"}"""u8.ToArray()), givingUp.Token));
        await busy;

        Assert.Equal(2, function.Counters.Invocations);
        Assert.Equal(0, function.WaitingInvocations);
        Assert.Equal(0, function.ActiveInvocations);
    }
}
