using AppHost.Definition;
using AppHost.Hosting;
using Leaderboard.Core;
using Microsoft.Extensions.DependencyInjection;

namespace EndToEnd.Tests;

/// <summary>
/// The AppHost's own Program started with <c>DistributedApplicationTestingBuilder</c>: the dashboard
/// off, in-memory DynamoDB Local, every port picked free (so test classes run in parallel), and
/// returned once every resource is healthy. Disposing it stops everything.
/// </summary>
public sealed class LocalCloudTestApp : IAsyncDisposable
{
    /// <summary>The match signing key of every test app (its parameter <c>match-signing-key</c>), which the test clients sign with.</summary>
    public const string MatchSigningKey = "end-to-end-tests-signing-key";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    /// <summary>
    /// One app of this test process starts at a time. A start is the heavy part of an app's life: its
    /// orchestrator (DCP) starts, Aspire creates the orchestrator's objects through DCP's API (each
    /// within Aspire's two-minute budget, <c>DcpPublisher:KubernetesCreateRecoveryTimeout</c>), and
    /// DynamoDB Local, the functions and the dashboard start. Test classes run in parallel; several
    /// starts at once on a two-core machine can starve those API calls past the budget, and
    /// <c>StartAsync</c> then fails with a <c>TimeoutRejectedException</c> after 00:02:00. Running apps
    /// are light, so only the starts queue; each start's own timeout runs once it has its turn.
    /// </summary>
    private static readonly SemaphoreSlim OneStartAtATime = new(1, 1);

    private LocalCloudTestApp(DistributedApplication app) => App = app;

    public DistributedApplication App { get; }

    public static Task<LocalCloudTestApp> StartAsync(params string[] args) => StartAsync(withDashboard: false, args, untilHealthy: true);

    /// <summary>Starts the app and returns at once, without waiting for its resources.</summary>
    public static Task<LocalCloudTestApp> StartWithoutWaitingAsync(params string[] args) => StartAsync(withDashboard: false, args, untilHealthy: false);

    /// <summary>Starts the app with the Aspire dashboard on free ports and waits until every resource is healthy.</summary>
    public static Task<LocalCloudTestApp> StartWithDashboardAsync() => StartAsync(withDashboard: true, [], untilHealthy: true);

    private static async Task<LocalCloudTestApp> StartAsync(bool withDashboard, string[] args, bool untilHealthy)
    {
        await OneStartAtATime.WaitAsync();
        try
        {
            var started = await StartWithoutWaitingAsync(withDashboard, args);
            if (untilHealthy)
            {
                await started.WaitUntilHealthyAsync();
            }
            return started;
        }
        finally
        {
            OneStartAtATime.Release();
        }
    }

    /// <summary>The AppHost's Program as the test app runs it, declared but not built.</summary>
    public static async Task<IDistributedApplicationTestingBuilder> DeclareAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        return await CreateBuilderAsync(withDashboard: false, [], timeout.Token);
    }

    private static async Task<LocalCloudTestApp> StartWithoutWaitingAsync(bool withDashboard, string[] args)
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        if (withDashboard)
        {
            // Picked when the app starts, so no other start takes them in between.
            args =
            [
                $"--ASPNETCORE_URLS=http://127.0.0.1:{AppHost.Emulators.LoopbackPorts.PickFree()}",
                $"--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://127.0.0.1:{AppHost.Emulators.LoopbackPorts.PickFree()}",
                $"--ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://127.0.0.1:{AppHost.Emulators.LoopbackPorts.PickFree()}",
                .. args,
            ];
        }
        var builder = await CreateBuilderAsync(withDashboard, args, timeout.Token);
        var app = await builder.BuildAsync(timeout.Token);
        var started = new LocalCloudTestApp(app);
        try
        {
            await app.StartAsync(timeout.Token);
            return started;
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
    }

    private static Task<IDistributedApplicationTestingBuilder> CreateBuilderAsync(bool withDashboard, string[] args, CancellationToken cancellationToken)
    {
        string[] testArgs =
        [
            "--DynamoDb:InMemory=true",
            "--Sqs:InMemory=true",
            // Tests that edit a function's source turn it on again.
            "--Lambda:Watch=false",
            $"--Ports:{LeaderboardApp.Names.DynamoDb}=0",
            $"--Ports:{LeaderboardApp.Names.ApiGateway}=0",
            $"--Ports:{LeaderboardApp.Names.LambdaEmulator}=0",
            $"--Ports:{LeaderboardApp.Names.WebSocketApi}=0",
            $"--Ports:{LeaderboardApp.Names.LiveBoard}=0",
            $"--Ports:{LeaderboardApp.Names.Sqs}=0",
            $"--Parameters:{LeaderboardApp.Names.MatchSigningKey}={MatchSigningKey}",
            .. args,
        ];
        return DistributedApplicationTestingBuilder.CreateAsync<Program>(
            testArgs, (options, _) => options.DisableDashboard = !withDashboard, cancellationToken);
    }

    private async Task WaitUntilHealthyAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(StartTimeout);
            foreach (var resource in Resources)
            {
                try
                {
                    await App.ResourceNotifications.WaitForResourceHealthyAsync(resource.Name, timeout.Token);
                }
                catch (DistributedApplicationException failed)
                {
                    // The reason is in the resource's console: put it in the test's failure.
                    throw new DistributedApplicationException(
                        $"{failed.Message} Its console:{Environment.NewLine}{await ConsoleBacklogAsync(resource)}", failed);
                }
            }
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>What the resource has written to its console so far.</summary>
    private async Task<string> ConsoleBacklogAsync(IResource resource)
    {
        var console = new System.Text.StringBuilder();
        using var replayed = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await ConsoleOfAsync(resource.Name, line =>
            {
                console.AppendLine(line);
                return false;
            }, replayed.Token);
        }
        catch (OperationCanceledException)
        {
            // The backlog is replayed at once; the watch then waits for lines that may never come.
        }
        return console.ToString();
    }


    public DistributedApplicationModel Model => App.Services.GetRequiredService<DistributedApplicationModel>();

    /// <summary>The resources the dashboard shows (Aspire's own helpers, such as a project's rebuilder, are hidden).</summary>
    public IReadOnlyList<IResource> Resources => Model.Resources
        .Where(resource => !(App.ResourceNotifications.TryGetCurrentState(resource.Name, out var current) && current.Snapshot.IsHidden))
        .ToList();

    public T Resource<T>(string name)
        where T : IResource => Model.Resources.OfType<T>().Single(resource => resource.Name == name);

    /// <summary>A client of the API Gateway emulator's invoke URL that signs every body with <see cref="MatchSigningKey"/>, as a game server does; it sends no token.</summary>
    public HttpClient CreateGatewayClient() => CreateGatewayClient(MatchSigningKey);

    /// <summary>A client of the API Gateway emulator's invoke URL that signs every body with <paramref name="signingKey"/>.</summary>
    public HttpClient CreateGatewayClient(string signingKey) =>
        new(new MatchSigningHandler(signingKey) { InnerHandler = new HttpClientHandler() }) { BaseAddress = Resource<ApiGatewayEmulatorResource>(LeaderboardApp.Names.ApiGateway).Gateway!.InvokeUrl };

    /// <summary>The Lambda emulator's Invoke API endpoint (for <c>--endpoint-url</c>).</summary>
    public Uri LambdaEndpoint => Resource<LambdaEmulatorResource>(LeaderboardApp.Names.LambdaEmulator).Emulator!.Endpoint;

    /// <summary>The resource's console up to the first line that <paramref name="until"/> accepts, as one text.</summary>
    public async Task<string> ConsoleOfAsync(string resource, Func<string, bool> until, CancellationToken cancellationToken)
    {
        var console = new System.Text.StringBuilder();
        var model = Model.Resources.Single(candidate => candidate.Name == resource);
        await foreach (var batch in App.Services.GetRequiredService<ResourceLoggerService>().WatchAsync(model).WithCancellation(cancellationToken))
        {
            foreach (var line in batch)
            {
                console.AppendLine(line.Content);
                if (until(line.Content))
                {
                    return console.ToString();
                }
            }
        }
        return console.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
