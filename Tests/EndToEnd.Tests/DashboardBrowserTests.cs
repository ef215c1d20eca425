using AppHost.Definition;
using Microsoft.Playwright;

namespace EndToEnd.Tests;

/// <summary>The real Aspire dashboard of the whole app, in Debian's Chromium driven by Playwright.</summary>
public sealed class DashboardBrowserTests
{
    [Fact]
    public async Task ASignedInDeveloperSeesEveryResourceRunningAndTheFunctionsTraceOfARequest()
    {
        await using var app = await LocalCloudTestApp.StartWithDashboardAsync();
        var names = app.Resources.Select(resource => resource.Name).ToList();
        using var dashboardWait = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var loginUrl = await app.App.GetDashboardUrlAsync(dashboardWait.Token) ?? throw new InvalidOperationException("the dashboard did not start");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 900 } });

        await page.GotoAsync(loginUrl.ToString());

        // The resources page: one row per resource, each Running.
        await page.WaitForFunctionAsync(
            """names => names.every(name => [...document.querySelectorAll('[role=row]')].some(row => row.textContent.includes(name) && row.textContent.includes('Running')))""",
            names, new PageWaitForFunctionOptions { Timeout = 120_000 });
        var rows = await page.Locator("[role=row]").AllTextContentsAsync();
        Assert.All(names, name => Assert.Contains(rows, row => row.Contains(name, StringComparison.Ordinal) && row.Contains("Running", StringComparison.Ordinal)));
        Assert.Contains(rows, row => row.Contains(LeaderboardApp.Names.ApiGateway, StringComparison.Ordinal));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "dashboard-resources.png") });

        // A request through the gateway: the function's trace, with its DynamoDB calls, in the dashboard.
        using var gateway = app.CreateGatewayClient();
        using var board = await gateway.GetAsync("leaderboards/browser");
        Assert.True(board.IsSuccessStatusCode);
        await page.GotoAsync(new Uri(loginUrl, "/traces").ToString());
        try
        {
            await page.WaitForFunctionAsync(
                """() => [...document.querySelectorAll('[role=row]')].some(row => row.textContent.includes('GET /leaderboards') && row.textContent.includes('leaderboard-api') && row.textContent.includes('dynamodb'))""",
                null, new PageWaitForFunctionOptions { Timeout = 60_000, PollingInterval = 1000 });
        }
        finally
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "dashboard-traces.png") });
        }
    }
}
