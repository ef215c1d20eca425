using AppHost.Definition;
using AppHost.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace EndToEnd.Tests;

/// <summary>
/// The AppHost's own Program started with <c>DistributedApplicationTestingBuilder</c>: the dashboard
/// off, in-memory DynamoDB Local, every port picked free (so test classes run in parallel), and
/// returned once every resource is healthy. Disposing it stops everything.
/// </summary>
public sealed class LocalCloudTestApp : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private LocalCloudTestApp(DistributedApplication app) => App = app;

    public DistributedApplication App { get; }

    public static async Task<LocalCloudTestApp> StartAsync(params string[] args)
    {
        string[] testArgs =
        [
            "--DynamoDb:InMemory=true",
            $"--Ports:{LeaderboardApp.Names.DynamoDb}=0",
            $"--Ports:{LeaderboardApp.Names.ApiGateway}=0",
            $"--Ports:{LeaderboardApp.Names.LambdaEmulator}=0",
            .. args,
        ];
        using var timeout = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Program>(testArgs, timeout.Token);
        var app = await builder.BuildAsync(timeout.Token);
        var started = new LocalCloudTestApp(app);
        try
        {
            await app.StartAsync(timeout.Token);
            foreach (var resource in started.Resources)
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(resource.Name, timeout.Token);
            }
            return started;
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
    }

    public DistributedApplicationModel Model => App.Services.GetRequiredService<DistributedApplicationModel>();

    /// <summary>The resources the dashboard shows (Aspire's own helpers, such as a project's rebuilder, are hidden).</summary>
    public IReadOnlyList<IResource> Resources => Model.Resources
        .Where(resource => !(App.ResourceNotifications.TryGetCurrentState(resource.Name, out var current) && current.Snapshot.IsHidden))
        .ToList();

    public T Resource<T>(string name)
        where T : IResource => Model.Resources.OfType<T>().Single(resource => resource.Name == name);

    /// <summary>A client of the API Gateway emulator's invoke URL.</summary>
    public HttpClient CreateGatewayClient() =>
        new() { BaseAddress = Resource<ApiGatewayEmulatorResource>(LeaderboardApp.Names.ApiGateway).Gateway!.InvokeUrl };

    /// <summary>The Lambda emulator's Invoke API endpoint (for <c>--endpoint-url</c>).</summary>
    public Uri LambdaEndpoint => Resource<LambdaEmulatorResource>(LeaderboardApp.Names.LambdaEmulator).Emulator!.Endpoint;

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
