using System.Net.Http.Headers;
using AppHost.Hosting.AppModel;

// The local cloud runs its processes under /bin/sh and Unix signals.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

namespace AppHost.Dashboard.Tests;

/// <summary>A local cloud holding only the dashboard, on free ports, with the given settings.</summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    private readonly string[] _arguments;
    private readonly string _stateDirectory = Directory.CreateTempSubdirectory("dashboard-tests-").FullName;

    public DashboardFixture()
        : this([])
    {
    }

    private DashboardFixture(string[] arguments) => _arguments = arguments;

    public LocalCloudApp App { get; private set; } = null!;

    public DashboardResource Dashboard { get; private set; } = null!;

    /// <summary>A client of the UI's JSON API, signed in with the bearer token.</summary>
    public HttpClient Api { get; private set; } = null!;

    public HttpClient Otlp { get; private set; } = null!;

    /// <summary>A dashboard started with extra configuration, for tests that need their own (for example small caps).</summary>
    public static async Task<DashboardFixture> StartAsync(params string[] arguments)
    {
        var fixture = new DashboardFixture(arguments);
        await fixture.InitializeAsync();
        return fixture;
    }

    public async Task InitializeAsync()
    {
        var builder = LocalCloud.CreateBuilder(
            ["--Ports:dashboard=0", "--Ports:otlp=0", "--ForwardConsole=false", $"--StateDirectory={_stateDirectory}", .. _arguments]);
        Dashboard = builder.AddDashboard().Resource;
        App = builder.Build();
        await App.StartAsync();
        Api = new HttpClient { BaseAddress = Dashboard.UiEndpoint };
        Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Dashboard.Token);
        Otlp = new HttpClient { BaseAddress = Dashboard.OtlpEndpoint };
    }

    public async Task DisposeAsync()
    {
        Api.Dispose();
        Otlp.Dispose();
        await App.DisposeAsync();
        Directory.Delete(_stateDirectory, recursive: true);
    }
}
