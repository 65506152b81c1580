using Microsoft.Playwright;

namespace BiDoRA.Workbench.Tests.Infrastructure;

/// <summary>Debian's Chromium driven by Playwright (no browser download); screenshots go under the test output.</summary>
internal static class Browser
{
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

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox"],
        });
        return (playwright, browser);
    }
}
