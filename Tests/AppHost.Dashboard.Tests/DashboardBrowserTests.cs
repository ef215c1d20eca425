using AppHost.Definition;
using AppHost.Hosting.AppModel;
using Microsoft.Playwright;

namespace AppHost.Dashboard.Tests;

/// <summary>The dashboard of the whole app in Debian's Chromium, driven by Playwright.</summary>
public sealed class DashboardBrowserTests
{
    private const string ChromiumPath = "/usr/bin/chromium";

    [Fact]
    public async Task ASignedInDeveloperSeesResourcesHealthyInvokesTheApiFunctionAndFollowsAGatewayRequestToDynamoDbWhileAWrongTokenGetsTheLoginPage()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: apt-get install chromium (.ci/run does).");
        await using var app = await LocalCloudTesting.StartAsync(typeof(Program).Assembly);
        var dashboard = (DashboardResource)app[LeaderboardApp.Names.Dashboard];
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });

        var wrongLogin = await page.GotoAsync(new Uri(dashboard.UiEndpoint, "login?t=not-the-token").ToString());
        Assert.Equal(401, wrongLogin!.Status);
        await page.Locator("#token").WaitForAsync();
        await page.GotoAsync(dashboard.UiEndpoint.ToString());
        Assert.EndsWith("/login", page.Url, StringComparison.Ordinal);

        await page.GotoAsync(dashboard.LoginUrl.ToString());
        var rows = page.Locator("#resources tbody tr");
        await page.WaitForFunctionAsync(
            "count => document.querySelectorAll('#resources tbody tr').length === count && [...document.querySelectorAll('#resources td[data-state]')].every(cell => cell.dataset.state === 'Healthy')",
            app.Resources.Count);
        Assert.Equal(app.Resources.Count, await rows.CountAsync());
        Assert.Equal(1, await page.Locator("#resources tr[data-resource='leaderboard-api'] td[data-state='Healthy']").CountAsync());

        await page.ClickAsync("nav a[data-page='invoke']");
        await page.SelectOptionAsync("#invoke-function", LeaderboardApp.Names.Api);
        await page.SelectOptionAsync("#invoke-sample", "sample:apigw-v2-health");
        await page.Keyboard.PressAsync("Tab");
        Assert.Contains("\"rawPath\": \"/health\"", await page.InputValueAsync("#invoke-event"), StringComparison.Ordinal);
        await page.ClickAsync("#invoke-run");
        var status = page.Locator("#invoke-status.status-Succeeded");
        await status.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        Assert.Contains("statusCode 200", await status.TextContentAsync(), StringComparison.Ordinal);
        Assert.Contains("\"statusCode\": 200", await page.TextContentAsync("#invoke-response"), StringComparison.Ordinal);
        Assert.Contains("START RequestId", await page.TextContentAsync("#invoke-log"), StringComparison.Ordinal);

        using var gateway = app.CreateHttpClient(LeaderboardApp.Names.ApiGateway);
        using var leaderboard = await gateway.GetAsync("leaderboards/global");
        Assert.True(leaderboard.IsSuccessStatusCode);
        await page.GotoAsync(new Uri(dashboard.UiEndpoint, "#/traces").ToString());
        var gatewayTrace = page.Locator("#traces tbody tr", new PageLocatorOptions { HasText = "GET /leaderboards" }).First;
        await page.WaitForFunctionAsync(
            "[...document.querySelectorAll('#traces tbody tr')].some(row => row.textContent.includes('GET /leaderboards') && row.textContent.includes('leaderboard-api'))",
            null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        await gatewayTrace.Locator("a").ClickAsync();
        await page.WaitForFunctionAsync("document.querySelectorAll('#waterfall .row').length >= 3");
        var services = await page.Locator("#waterfall .row").EvaluateAllAsync<string[]>("rows => [...new Set(rows.map(row => row.dataset.service))]");
        Assert.Contains(LeaderboardApp.Names.ApiGateway, services);
        Assert.Contains(LeaderboardApp.Names.Api, services);
        Assert.Contains(await page.Locator("#waterfall .row button").AllTextContentsAsync(), name => name.StartsWith("DynamoDB.Query", StringComparison.Ordinal));
    }
}
