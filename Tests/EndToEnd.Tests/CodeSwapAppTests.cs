using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using AppHost.Definition;
using AppHost.Hosting;

namespace EndToEnd.Tests;

/// <summary>
/// Save and see it: real edits of a real function project (<c>Leaderboard.Api</c>) under a running
/// AppHost are built and swapped in while requests keep flowing; a broken edit keeps the old code.
/// The edit adds a response header and the file is restored however the test ends.
/// </summary>
[Collection(nameof(TelemetryAndLifecycleTests))]
public sealed class CodeSwapAppTests
{
    private static readonly string ProgramFile = Path.Combine(NodePackages.FindRepositoryRoot(AppContext.BaseDirectory), "Functions", "Leaderboard.Api", "Program.cs");
    private static readonly TimeSpan SwapTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task ASavedEditServesWithinTheRunningAppABrokenOneKeepsTheOldCodeAndNoRequestFails()
    {
        var original = await File.ReadAllTextAsync(ProgramFile);
        const string Anchor = "app.UseApiConventions();";
        Assert.Contains(Anchor, original, StringComparison.Ordinal);
        var marker = Guid.NewGuid().ToString("N");
        var stateDirectory = Directory.CreateTempSubdirectory("code-swap-");
        try
        {
            await using (var app = await LocalCloudTestApp.StartAsync("--Lambda:Watch=true", $"--StateDirectory={stateDirectory.FullName}"))
            {
                using var gateway = app.CreateGatewayClient();
                Assert.Null(await EditedHeaderAsync(gateway));
                using var load = new CancellationTokenSource();
                var statuses = new ConcurrentBag<HttpStatusCode>();
                var requests = KeepRequestingAsync(gateway, statuses, load.Token);

                // An edit: once built and swapped, every response carries the header.
                await File.WriteAllTextAsync(ProgramFile, original.Replace(Anchor,
                    Anchor + $"\napp.Use((context, next) => {{ context.Response.Headers[\"x-edited\"] = \"{marker}\"; return next(); }});", StringComparison.Ordinal));
                Assert.True(await Polling.UntilAsync(() => ServedByEveryEnvironmentAsync(gateway, marker), SwapTimeout), "the edit was never served");
                using var consoleTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                var console = await app.ConsoleOfAsync(LeaderboardApp.Names.Api, line => line.Contains("Version 1 serves", StringComparison.Ordinal), consoleTimeout.Token);
                Assert.Contains("Functions/Leaderboard.Api/Program.cs changed: building Leaderboard.Api.csproj", console, StringComparison.Ordinal);

                // A broken edit: the compiler's message (file and line) in the function's console; the last good code keeps serving.
                await File.WriteAllTextAsync(ProgramFile, original.Replace(Anchor, Anchor + "\napp.Use((context, next) => ", StringComparison.Ordinal));
                using var failureTimeout = new CancellationTokenSource(SwapTimeout);
                var failure = await app.ConsoleOfAsync(LeaderboardApp.Names.Api, line => line.Contains("The build failed", StringComparison.Ordinal), failureTimeout.Token);
                Assert.Matches(@"Program\.cs\(\d+,\d+\): error CS\d+", failure);
                Assert.Equal(marker, await EditedHeaderAsync(gateway));
                var api = app.Resource<LambdaFunctionResource>(LeaderboardApp.Names.Api);
                Assert.Equal(1, (await api.Function).CodeVersion);

                // The original again: the next good save recovers by itself.
                await File.WriteAllTextAsync(ProgramFile, original);
                Assert.True(await Polling.UntilAsync(() => ServedByEveryEnvironmentAsync(gateway, null), SwapTimeout), "the restored code was never served");
                Assert.Equal(2, (await api.Function).CodeVersion);

                await load.CancelAsync();
                await requests;
                Assert.NotEmpty(statuses);
                Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
                Assert.True(app.App.ResourceNotifications.TryGetCurrentState(LeaderboardApp.Names.Api, out var state));
                Assert.StartsWith("version 2, built", Convert.ToString(state.Snapshot.Properties.Single(property => property.Name == "lambda.build").Value, CultureInfo.InvariantCulture), StringComparison.Ordinal);
            }
            // Stopping the app leaves no process of any build behind.
            Assert.Empty(ProcessesRunningFrom(stateDirectory.FullName));
        }
        finally
        {
            await File.WriteAllTextAsync(ProgramFile, original);
            stateDirectory.Delete(recursive: true);
        }
    }

    /// <summary>True when ten requests in a row (some concurrent, so on several environments) all carry <paramref name="expected"/>.</summary>
    private static async Task<bool> ServedByEveryEnvironmentAsync(HttpClient gateway, string? expected)
    {
        for (var round = 0; round < 5; round++)
        {
            var headers = await Task.WhenAll(EditedHeaderAsync(gateway), EditedHeaderAsync(gateway));
            if (headers.Any(header => header != expected))
            {
                return false;
            }
        }
        return true;
    }

    private static async Task<string?> EditedHeaderAsync(HttpClient gateway)
    {
        using var response = await gateway.GetAsync("health");
        return response.Headers.TryGetValues("x-edited", out var values) ? values.Single() : null;
    }

    /// <summary>Five requests a second until stopped; each status is kept.</summary>
    private static async Task KeepRequestingAsync(HttpClient gateway, ConcurrentBag<HttpStatusCode> statuses, CancellationToken stop)
    {
        using var ticks = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        var inFlight = new List<Task>();
        while (await ticks.WaitForNextTickAsync(CancellationToken.None) && !stop.IsCancellationRequested)
        {
            inFlight.Add(Task.Run(async () =>
            {
                using var response = await gateway.GetAsync("health", CancellationToken.None);
                statuses.Add(response.StatusCode);
            }, CancellationToken.None));
        }
        await Task.WhenAll(inFlight);
    }

    private static List<string> ProcessesRunningFrom(string directory) => Directory.EnumerateDirectories("/proc")
        .Select(process => Path.Combine(process, "cmdline"))
        .Select(cmdline =>
        {
            try
            {
                return File.ReadAllText(cmdline).Replace('\0', ' ');
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                return "";
            }
        })
        .Where(command => command.Contains(directory, StringComparison.Ordinal))
        .ToList();
}
