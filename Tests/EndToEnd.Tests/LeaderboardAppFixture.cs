using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AppHost.Definition;
using AppHost.Hosting.AppModel;

// The local cloud runs its processes under /bin/sh and Unix signals.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

namespace EndToEnd.Tests;

/// <summary>The whole app, started in-process from the AppHost's own Program on free ports, once for the test class.</summary>
public sealed class LeaderboardAppFixture : IAsyncLifetime
{
    public LocalCloudApp App { get; private set; } = null!;

    public HttpClient Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await LocalCloudTesting.StartAsync(typeof(Program).Assembly);
        Gateway = App.CreateHttpClient(LeaderboardApp.Names.ApiGateway);
        var token = await Gateway.GetFromJsonAsync<JsonElement>("_auth/dev-token?scope=matches:write");
        Gateway.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
    }

    public async Task DisposeAsync()
    {
        Gateway.Dispose();
        await App.DisposeAsync();
    }
}
