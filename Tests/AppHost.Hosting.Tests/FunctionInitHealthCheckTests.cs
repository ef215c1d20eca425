using AppHost.Emulators.Lambda;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AppHost.Hosting.Tests;

public sealed class FunctionInitHealthCheckTests
{
    private static readonly HealthCheckContext Context = new();

    [Fact]
    public async Task ProvisioningIsShownAtOnceThenWaitedForPastTheFirstAnswersFiveSeconds()
    {
        var provisioned = new TaskCompletionSource();
        var check = new FunctionInitHealthCheck(() => Task.CompletedTask, () => provisioned.Task);

        var shown = await check.CheckHealthAsync(Context);
        Assert.Equal(HealthStatus.Unhealthy, shown.Status);
        Assert.Equal("provisioned concurrency in progress: its provisioned environments are initialising", shown.Description);

        // Aspire's next check: it waits for the step the dashboard shows, longer than a first answer may.
        var waiting = check.CheckHealthAsync(Context);
        await Task.Delay(HealthCheckWait.Longest + TimeSpan.FromSeconds(1));
        Assert.False(waiting.IsCompleted);
        provisioned.SetResult();
        Assert.Equal(HealthStatus.Healthy, (await waiting).Status);
    }

    [Fact]
    public async Task AFunctionWithoutProvisionedConcurrencyIsHealthyOnceItsInitEnds()
    {
        var init = new TaskCompletionSource();
        var check = new FunctionInitHealthCheck(() => init.Task, () => Task.CompletedTask);

        var checking = check.CheckHealthAsync(Context);
        init.SetResult();

        Assert.Equal(HealthStatus.Healthy, (await checking).Status);
    }

    [Fact]
    public async Task AFailedInitIsTheAnswerWithItsErrorType()
    {
        var check = new FunctionInitHealthCheck(
            () => Task.FromException(new FunctionInitException("Runtime.ExitError", "the runtime exited with code 1", "")),
            () => Task.CompletedTask);

        var failed = await check.CheckHealthAsync(Context);

        Assert.Equal(HealthStatus.Unhealthy, failed.Status);
        Assert.Equal("Runtime.ExitError: the runtime exited with code 1", failed.Description);
    }

    [Fact]
    public async Task BeforeTheEmulatorStartsTheAnswerSaysSo()
    {
        var check = new FunctionInitHealthCheck(() => null, () => Task.CompletedTask);

        var answer = await check.CheckHealthAsync(Context);

        Assert.Equal(HealthStatus.Unhealthy, answer.Status);
        Assert.Equal("the Lambda emulator has not started", answer.Description);
    }
}
