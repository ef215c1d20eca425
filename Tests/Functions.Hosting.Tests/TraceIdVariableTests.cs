using System.Text;

namespace Functions.Hosting.Tests;

/// <summary>The process-wide <c>_X_AMZN_TRACE_ID</c>; its own collection so no parallel test invokes meanwhile.</summary>
[CollectionDefinition(nameof(TraceIdVariableTests), DisableParallelization = true)]
public sealed class TraceIdVariableIsolation;

[Collection(nameof(TraceIdVariableTests))]
public sealed class TraceIdVariableTests
{
    [Fact]
    public async Task TraceIdVariableFollowsEachInvocation()
    {
        await using var runtime = await FakeLambdaRuntimeApi.StartAsync();
        using var client = new LambdaRuntimeClient(runtime.RuntimeApi);
        using var stopping = new CancellationTokenSource();
        _ = new LambdaBootstrap(client, new LambdaRuntimeOptions()).RunAsync(
            (_, _, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(
                Encoding.UTF8.GetBytes(Environment.GetEnvironmentVariable("_X_AMZN_TRACE_ID") ?? "(none)")),
            stopping.Token);

        var first = await runtime.InvokeAsync("{}", new InvocationHeaders { TraceId = "Root=1-first" });
        var second = await runtime.InvokeAsync("{}", new InvocationHeaders { TraceId = "Root=1-second" });
        var untraced = await runtime.InvokeAsync("{}");
        await stopping.CancelAsync();

        Assert.Equal("Root=1-first", first.ResponseText);
        Assert.Equal("Root=1-second", second.ResponseText);
        Assert.Equal("(none)", untraced.ResponseText);
    }
}
