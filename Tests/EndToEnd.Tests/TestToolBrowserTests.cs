using AppHost.Definition;
using Microsoft.Playwright;

namespace EndToEnd.Tests;

/// <summary>The test-tool page of the running app, used in Chromium as a developer would.</summary>
[Collection(nameof(SharedLeaderboardApp))]
public class TestToolBrowserTests(LeaderboardAppFixture fixture)
{
    [Fact]
    public async Task ADeveloperInvokesASampleSeesTheResponseAndLogAndSavesARequestThatSurvivesAReload()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1500, Height = 940 } });
        var pageUrl = new Uri(fixture.App.LambdaEndpoint, $"?function={LeaderboardApp.Names.Api}").ToString();
        var saveAs = "browser " + Guid.NewGuid().ToString("N")[..8];
        var attached = new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached };

        await page.GotoAsync(pageUrl);
        await page.WaitForSelectorAsync("#source option[value='sample:get-health']", attached);
        await page.SelectOptionAsync("#source", "sample:get-health");
        await page.ClickAsync("#invoke");
        await page.WaitForSelectorAsync("#log-tail");

        Assert.Equal("Succeeded", await page.TextContentAsync("#result-status"));
        Assert.Contains("statusCode 200", await page.TextContentAsync("#response-status"), StringComparison.Ordinal);
        Assert.Contains("REPORT RequestId", await page.TextContentAsync("#log-tail"), StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "test-tool.png") });

        // Broken JSON is named at its line as it is typed, and cannot be sent.
        await page.FillAsync("#editor", "{\n  \"a\": ,\n}");
        Assert.StartsWith("Line 2, column", await page.TextContentAsync("#json-status"), StringComparison.Ordinal);
        Assert.True(await page.IsDisabledAsync("#invoke"));

        // A request saved under a name is there after a reload.
        await page.SelectOptionAsync("#source", "sample:get-health");
        await page.FillAsync("#save-name", saveAs);
        await page.ClickAsync("#save");
        await page.WaitForFunctionAsync("name => document.getElementById('save-status').textContent === `Saved as \"${name}\".`", saveAs);
        await page.ReloadAsync();
        await page.WaitForSelectorAsync($"#source option[value='saved:{saveAs}']", attached);
        await page.SelectOptionAsync("#source", $"saved:{saveAs}");
        await page.WaitForFunctionAsync("() => document.getElementById('editor').value.includes('GET /health')");
        await page.ClickAsync("#delete");
        await page.WaitForFunctionAsync("name => document.getElementById('save-status').textContent === `Deleted \"${name}\".`", saveAs);
    }
}
