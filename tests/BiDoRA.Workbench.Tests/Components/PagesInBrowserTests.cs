using BiDoRA.Workbench.Tests.Infrastructure;
using Microsoft.Playwright;

namespace BiDoRA.Workbench.Tests.Components;

/// <summary>
/// Every route in a real browser: it renders, becomes interactive over the Blazor circuit, and the page logs no
/// error, which is also how a Content-Security-Policy violation shows.
/// </summary>
public sealed class PagesInBrowserTests : IAsyncLifetime
{
    private WorkbenchServer _server = null!;
    private Browser _browser = null!;

    public async Task InitializeAsync()
    {
        _server = await WorkbenchServer.StartAsync(executor: new ScriptedRunExecutor { HoldEveryRun = true, Steps = 300, StepDelay = TimeSpan.FromMilliseconds(5) });
        _browser = await Browser.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Theory]
    [InlineData("/", "Fine-tune protein language models")]
    [InlineData("/datasets", "Datasets")]
    [InlineData("/models", "Models")]
    [InlineData("/runs", "Runs")]
    [InlineData("/compare", "Compare runs")]
    [InlineData("/predict", "Predict")]
    public async Task Page_renders_becomes_interactive_and_logs_no_errors(string path, string heading)
    {
        var (page, errors) = await _browser.NewPageAsync();

        await page.GotoAsync(new Uri(_server.BaseAddress, path).ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle, Timeout = 30_000 });
        await page.GetByRole(AriaRole.Heading, new() { Name = heading }).First.WaitForAsync(new() { Timeout = 30_000 });

        // The theme toggle answers only through the circuit: a working click proves the page is interactive.
        var toggle = page.Locator("[data-testid=theme-toggle]");
        await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-label", "Switch to dark theme", new() { Timeout = 30_000 });
        await toggle.ClickAsync();
        await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-label", "Switch to light theme", new() { Timeout = 30_000 });
        var cookies = await page.Context.CookiesAsync();
        Assert.Contains(cookies, c => c.Name == "bidora.theme" && c.Value == "dark");

        var name = path == "/" ? "home" : path.Trim('/').Replace('/', '-');
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.ScreenshotsDirectory, $"layout-{name}.png"), FullPage = true });
        Assert.Empty(errors);
        await page.CloseAsync();
    }

    [Fact]
    public async Task Run_page_follows_a_run_live_to_its_end()
    {
        var run = await _server.CreateRunAsync(_server.AddDataset().Id, new { steps = 300, name = "live run" });
        await _server.Executor.WaitUntilStartedAsync(run.Id);
        var (page, errors) = await _browser.NewPageAsync();

        await page.GotoAsync(new Uri(_server.BaseAddress, $"/runs/{run.Id}").ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "live run" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-status]")).ToHaveAttributeAsync("data-status", "Running");

        _server.Executor.Release(run.Id);
        var progress = page.Locator("[data-testid=run-progress]");
        await Assertions.Expect(progress).ToContainTextAsync(new System.Text.RegularExpressions.Regex("Step [1-9][0-9]* of 300"), new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.ScreenshotsDirectory, "layout-run-training.png"), FullPage = true });
        await Assertions.Expect(progress).ToContainTextAsync("Step 300 of 300", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-status]")).ToHaveAttributeAsync("data-status", "Completed", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("test-metrics").GetByText("accuracy")).ToBeVisibleAsync();
        Assert.Empty(errors);
    }
}
