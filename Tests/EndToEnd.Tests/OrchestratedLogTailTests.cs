using System.Text;
using System.Text.RegularExpressions;
using AppHost.Definition;
using AppHost.Hosting;

namespace EndToEnd.Tests;

/// <summary>
/// The log tail of the execution environment the orchestrator launches (the one F5 debugs), whose
/// output the orchestrator captures: one environment per function, so every invocation lands there.
/// </summary>
public sealed class OrchestratedLogTailTests
{
    [Fact]
    public async Task TheLogTailOfTheOrchestratedEnvironmentHoldsWhatTheFunctionLoggedDuringTheInvocationOnce()
    {
        await using var app = await LocalCloudTestApp.StartAsync("--Lambda:MaxEnvironments=1", "--Lambda:ProvisionedConcurrency=false");
        var processor = await app.Resource<LambdaFunctionResource>(LeaderboardApp.Names.Processor).Function;
        using var http = new HttpClient { BaseAddress = app.LambdaEndpoint };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"2015-03-31/functions/{LeaderboardApp.Names.Processor}/invocations")
        {
            // Not a stream batch: the function's runtime logs the failed invocation, with its request id, before it reports the error.
            Content = new StringContent("""{"hello":"world"}"""),
        };
        request.Headers.Add("X-Amz-Log-Type", "Tail");

        using var response = await http.SendAsync(request);

        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        Assert.Equal(1, processor.EnvironmentCount);
        var requestId = response.Headers.GetValues("X-Amzn-RequestId").Single();
        var tail = Encoding.UTF8.GetString(Convert.FromBase64String(response.Headers.GetValues("X-Amz-Log-Result").Single()));
        var lines = tail.Split('\n');
        int Single(string text)
        {
            Assert.Single(lines, line => line.Contains(text, StringComparison.Ordinal));
            return Array.FindIndex(lines, line => line.Contains(text, StringComparison.Ordinal));
        }
        var start = Single($"START RequestId: {requestId}");
        var logged = Single($"Invocation {requestId} failed");
        var end = Single($"END RequestId: {requestId}");
        Single($"REPORT RequestId: {requestId}");
        Assert.True(start < logged && logged < end, $"the function's line is not between START and END:\n{tail}");
        // The emulator's own line for the error, written once: the console's copy of it is not read back.
        Assert.Single(lines, line => Regex.IsMatch(line, $@"\t{requestId}\tERROR\tInvoke Error\t"));
    }
}
