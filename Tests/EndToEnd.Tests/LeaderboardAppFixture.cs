using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace EndToEnd.Tests;

/// <summary>The whole app, started once for the test class, with a gateway client holding a write token.</summary>
public sealed class LeaderboardAppFixture : IAsyncLifetime
{
    public LocalCloudTestApp App { get; private set; } = null!;

    public HttpClient Gateway { get; private set; } = null!;


    public async Task InitializeAsync()
    {
        App = await LocalCloudTestApp.StartAsync();
        Gateway = App.CreateGatewayClient();
        var token = await Gateway.GetFromJsonAsync<JsonElement>("_auth/dev-token?scope=matches:write");
        Gateway.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
    }

    public async Task DisposeAsync()
    {
        Gateway?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }
}
