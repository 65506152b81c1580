using System.Globalization;
using System.Text.RegularExpressions;
using BiDoRA.Workbench.Services.Datasets;
using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Tests.Infrastructure;
using Microsoft.Playwright;

namespace BiDoRA.Workbench.Tests.Components;

/// <summary>
/// The whole comparison story in a real browser over the real trainer: start a sweep of LoRA, DoRA and BiDoRA over
/// three seeds on the BBP sample from the form, watch it finish, then read the comparison, the paired test and the
/// ΔM–ΔD scatter on the compare page.
/// </summary>
public sealed class SweepCompareInBrowserTests : IAsyncLifetime
{
    private WorkbenchServer _server = null!;
    private Browser _browser = null!;

    public async Task InitializeAsync()
    {
        _server = await WorkbenchServer.StartWithTrainerAsync(configuration: new Dictionary<string, string?> { ["Workbench:SeedSamples"] = "true" });
        _browser = await Browser.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Sweep_started_from_the_form_trains_and_the_compare_page_tests_and_plots_it()
    {
        var bbp = await SampleAsync("bbp");
        var (page, errors) = await _browser.NewPageAsync(1440, 900);

        await page.GotoAsync(Url($"/sweeps/new?dataset={bbp.Id}"), new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
        await Assertions.Expect(Field(page, "new-sweep-dataset")).ToHaveValueAsync(bbp.Id, new() { Timeout = 30_000 });
        await Assertions.Expect(Field(page, "new-sweep-model")).ToHaveValueAsync("tiny");
        // A value typed before the circuit is up is lost when the page becomes interactive.
        await Browser.WaitUntilInteractiveAsync(page);
        foreach (var method in new[] { "lora", "dora", "bidora" })
        {
            await Assertions.Expect(Field(page, $"new-sweep-method-{method}")).ToBeCheckedAsync();
        }
        await Assertions.Expect(Field(page, "new-sweep-method-full")).Not.ToBeCheckedAsync();
        // The run count follows the seeds only once the circuit is up: after this, clicks are handled.
        await FillAsync(page, "new-sweep-seeds", "2");
        await Assertions.Expect(page.GetByTestId("new-sweep-start")).ToContainTextAsync("Start 6 runs", new() { Timeout = 30_000 });
        await FillAsync(page, "new-sweep-seeds", "3");
        await Assertions.Expect(page.GetByTestId("new-sweep-start")).ToContainTextAsync("Start 9 runs");
        await FillAsync(page, "new-sweep-steps", "6");
        await FillAsync(page, "new-sweep-batch", "8");
        await page.GetByText("Advanced settings (shared by every run)").ClickAsync();
        await Assertions.Expect(Field(page, "new-sweep-rank")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await FillAsync(page, "new-sweep-rank", "4");
        // Evaluations every 3 steps are the analysis snapshots: one symbol per snapshot in the scatter.
        await FillAsync(page, "new-sweep-eval-every", "3");
        await FillAsync(page, "new-sweep-checkpoint-every", "6");
        await Assertions.Expect(page.GetByTestId("new-sweep-start")).ToContainTextAsync("Start 9 runs");
        // The time estimate is the last thing the form renders after a change: once it is there, every edit above
        // has been handled and no re-render races the click.
        await Assertions.Expect(page.GetByTestId("new-sweep-time")).ToContainTextAsync("per run", new() { Timeout = 30_000 });
        await page.GetByTestId("new-sweep-start").ClickAsync();

        // A polling assertion, not WaitForURLAsync: under load that call once waited out its timeout on a client-side
        // navigation that had already happened (its screenshot showed the finished sweep page).
        try
        {
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/sweeps/[0-9a-f]{16}$"), new() { Timeout = 60_000 });
        }
        catch (PlaywrightException)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.ScreenshotsDirectory, "sweep-start-timeout.png"), FullPage = true });
            throw;
        }
        await Assertions.Expect(page.GetByTestId("sweep-cell")).ToHaveCountAsync(9);
        try
        {
            await Assertions.Expect(page.Locator("[data-sweep-status]")).ToHaveAttributeAsync("data-sweep-status", "Completed", new() { Timeout = 300_000 });
        }
        finally
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.ScreenshotsDirectory, "sweep-page.png"), FullPage = true });
        }
        await Assertions.Expect(page.Locator("[data-testid=sweep-cell][data-run-status=Completed]")).ToHaveCountAsync(9);
        await Assertions.Expect(page.GetByTestId("sweep-report")).ToHaveAttributeAsync("href", new Regex("api/sweeps/[0-9a-z]+/report$"));

        await page.GetByTestId("sweep-compare").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/compare\\?sweep=[0-9a-f]{16}"), new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("compare-row")).ToHaveCountAsync(3, new() { Timeout = 30_000 });

        // The default pair is DoRA against BiDoRA on accuracy, two-sided; three seeds give an exact p of at least 0.25.
        var p = page.Locator("[data-testid=wilcoxon-p] .stat-value");
        await Assertions.Expect(p).ToHaveTextAsync(new Regex("^[0-9.e-]+$"));
        var pValue = double.Parse(await p.TextContentAsync() ?? "", CultureInfo.InvariantCulture);
        Assert.InRange(pValue, 0.25, 1);
        var sentence = await page.GetByTestId("wilcoxon-sentence").TextContentAsync();
        // The tiny model may leave every pair tied after so few steps; the sentence says so instead of "higher in 0 of 3".
        Assert.Matches("^BiDoRA('s accuracy is (higher|lower) than DoRA's| and DoRA have the same accuracy)", sentence);
        Assert.Contains("p = ", sentence);
        await Assertions.Expect(page.GetByTestId("wilcoxon-p")).ToContainTextAsync("exact");

        // The ΔM–ΔD scatter of the BiDoRA run: every adapted matrix at both snapshots, read back from Plotly.
        var scatter = page.GetByTestId("decomposition-scatter");
        await Assertions.Expect(scatter).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var points = await page.WaitForFunctionAsync(
            "() => { const el = document.querySelector('[data-testid=decomposition-scatter]'); if (!el || !el.data) return 0;" +
            " return el.data.filter(t => t.legendgroup === 'layers').reduce((n, t) => n + t.x.length, 0); }", null, new() { Timeout = 30_000 });
        var count = await points.JsonValueAsync<int>();
        // tiny: 2 layers × query and value = 4 matrices, at search steps 3 and 6 and retraining steps 9 and 12
        // (BiDoRA retrains by default for as many steps as it searched).
        Assert.Equal(16, count);
        await Assertions.Expect(page.GetByTestId("decomposition-fit")).ToContainTextAsync("k = ");
        var bars = await page.EvaluateAsync<int>("() => document.querySelector('[data-testid=compare-bars]').data.length");
        Assert.Equal(3, bars);
        await Assertions.Expect(page.GetByTestId("compare-report")).ToHaveAttributeAsync("href", new Regex("api/sweeps/[0-9a-z]+/report\\?"));

        // A one-sided choice goes through the URL and changes the test.
        await page.GotoAsync(page.Url + "&alternative=greater", new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
        await Assertions.Expect(page.GetByTestId("wilcoxon-sentence")).ToContainTextAsync("one-sided, BiDoRA greater", new() { Timeout = 30_000 });
        await Assertions.Expect(scatter).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await page.WaitForFunctionAsync("() => { const el = document.querySelector('[data-testid=decomposition-scatter]'); return el && el.data && el.data.length > 0; }", null, new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.ScreenshotsDirectory, "compare-page.png"), FullPage = true });
        Assert.Empty(errors);
    }

    private string Url(string path) => new Uri(_server.BaseAddress, path).ToString();

    private static async Task FillAsync(IPage page, string testId, string value)
    {
        var input = Field(page, testId);
        await input.FillAsync(value);
        await input.PressAsync("Tab");
    }

    // MudBlazor puts extra attributes on the input itself or on its wrapper, depending on the component.
    private static ILocator Field(IPage page, string testId) => page.Locator($"input[data-testid={testId}], [data-testid={testId}] input").First;

    private async Task<DatasetRecord> SampleAsync(string sample)
    {
        var store = _server.Services.GetRequiredService<DatasetStore>();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (store.List().FirstOrDefault(d => d.Sample == sample) is { } found) return found;
            await Task.Delay(100, limit.Token);
        }
    }
}
