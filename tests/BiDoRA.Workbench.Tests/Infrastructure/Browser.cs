using Microsoft.Playwright;

namespace BiDoRA.Workbench.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright (no browser download), with the flags this machine needs; pages it opens
/// collect their console errors and uncaught exceptions, which is also how a Content-Security-Policy violation shows.
/// Screenshots go under the test output.
/// </summary>
internal sealed class Browser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private Browser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("BIDORA_CHROMIUM") is { Length: > 0 } configured ? configured
        : new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists)
          ?? throw new InvalidOperationException("No Chromium found; install Debian's chromium package (.ci/run does) or set BIDORA_CHROMIUM.");

    public static string ScreenshotsDirectory
    {
        get
        {
            var dir = Path.Combine(AppContext.BaseDirectory, "screenshots");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    /// <summary>Waits until the page's Blazor circuit is up, so clicks and file inputs reach the server.</summary>
    public static Task WaitUntilInteractiveAsync(IPage page) =>
        Assertions.Expect(page.Locator("[data-testid=circuit]")).ToHaveAttributeAsync("data-interactive", "true", new() { Timeout = 30_000 });

    public static async Task<Browser> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // No sandbox (containers), no GPU, and nothing that reaches for the network on its own.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return new Browser(playwright, browser);
    }

    /// <summary>A new page of the given size and the list its console errors and uncaught exceptions go to.</summary>
    public async Task<(IPage Page, List<string> Errors)> NewPageAsync(int width = 1366, int height = 800)
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error") lock (errors) errors.Add(message.Text);
        };
        page.PageError += (_, error) =>
        {
            lock (errors) errors.Add(error);
        };
        return (page, errors);
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
