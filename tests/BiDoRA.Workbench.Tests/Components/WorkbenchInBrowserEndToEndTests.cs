using System.Text.RegularExpressions;
using BiDoRA.Workbench.Tests.Infrastructure;
using Microsoft.Playwright;

namespace BiDoRA.Workbench.Tests.Components;

/// <summary>
/// What a biologist does, in Chromium against the workbench training for real with the engine (bundled tiny model):
/// upload a BBP CSV, start a BiDoRA run from the form, watch the loss chart grow, read the test results, predict new
/// sequences. Every page is photographed under the test output's screenshots/ folder; no page logs an error.
/// </summary>
public sealed class WorkbenchInBrowserEndToEndTests : IAsyncLifetime
{
    // Long enough that the chart is seen growing while the engine still trains, also on a fast machine.
    private const int Steps = 200;

    private WorkbenchServer _server = null!;
    private Browser _browser = null!;

    public async Task InitializeAsync()
    {
        _server = await WorkbenchServer.StartWithTrainerAsync();
        _browser = await Browser.LaunchAsync();
        // The first chart loads Plotly (4.8 MB) and a CPU shared with a training run is slow: wait up to 30 s.
        Assertions.SetDefaultExpectTimeout(30_000);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Upload_train_watch_and_predict()
    {
        var (page, errors) = await _browser.NewPageAsync();
        page.SetDefaultTimeout(30_000);

        // Datasets: drop the BBP training file (the file input under the drop zone), check what was detected, import.
        await GotoAsync(page, "/");
        await Shot(page, "home");
        await GotoAsync(page, "/datasets");
        await Assertions.Expect(page.Locator("[data-testid=datasets-empty]")).ToBeVisibleAsync();
        await Shot(page, "datasets-empty");
        await page.Locator("input[type=file]").First.SetInputFilesAsync(Path.Combine(TestPaths.Samples, "bbp", "train.csv"));
        var inspection = page.Locator("[data-testid=dataset-inspection]");
        await Assertions.Expect(inspection).ToContainTextAsync("198 rows");
        await Assertions.Expect(inspection).ToContainTextAsync("binary");
        await Assertions.Expect(page.Locator("[data-testid=inspection-balance] .main-svg").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=inspection-lengths] .main-svg").First).ToBeVisibleAsync();
        // No "no datasets yet" under a file that is about to become one.
        await Assertions.Expect(page.Locator("[data-testid=datasets-empty]")).ToBeHiddenAsync();
        await Shot(page, "datasets-inspection");
        await page.Locator("[data-testid=dataset-name]").FillAsync("BBP peptides");
        await page.Locator("[data-testid=dataset-import]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=dataset-details]")).ToContainTextAsync("BBP peptides");
        await Assertions.Expect(page.Locator("[data-testid=details-balance] .main-svg").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=dataset-rows] tbody tr").First).ToContainTextAsync("AGILKRW");
        await Shot(page, "datasets");

        // New run: from the dataset's Train button; the form starts on that dataset with BiDoRA on the offline default, mini.
        await page.Locator("[data-testid=dataset-train]").First.ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/runs/new\\?dataset=[0-9a-z]+$"), new() { Timeout = 30_000 });
        var trainable = page.Locator("[data-testid=new-run-trainable]");
        await Assertions.Expect(trainable).ToHaveTextAsync("12,994");
        await page.Locator("input[data-testid=new-run-steps], [data-testid=new-run-steps] input").First.FillAsync(Steps.ToString());
        await page.Locator("input[data-testid=new-run-name], [data-testid=new-run-name] input").First.FillAsync("BBP BiDoRA");
        await page.GetByText("Advanced settings").ClickAsync();
        await page.Locator("input[data-testid=new-run-batch], [data-testid=new-run-batch] input").First.FillAsync("8");
        await page.Locator("input[data-testid=new-run-batch], [data-testid=new-run-batch] input").First.PressAsync("Tab");
        await Assertions.Expect(page.Locator("[data-testid=new-run-step-time]")).ToContainTextAsync("≈");
        await Shot(page, "new-run");
        await page.Locator("[data-testid=new-run-start]").ClickAsync();

        // Run page: the loss chart grows while the engine trains.
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/runs/[0-9a-f]{16}$"), new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "BBP BiDoRA" })).ToBeVisibleAsync();
        var first = await WaitForPointsAsync(page, atLeast: 1);
        var later = await WaitForPointsAsync(page, atLeast: first + 1);
        Assert.True(later > first);
        var status = await page.Locator("[data-status]").GetAttributeAsync("data-status");
        if (status == "Running")
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(Browser.ScreenshotsDirectory, "run-page-training.png") });
        }
        Assert.Equal("Running", status);

        await Assertions.Expect(page.Locator("[data-status]")).ToHaveAttributeAsync("data-status", "Completed", new() { Timeout = 300_000 });
        await Assertions.Expect(page.Locator("[data-testid=test-metrics]")).ToContainTextAsync("mcc");
        await Assertions.Expect(page.Locator("[data-testid=confusion-matrix] .main-svg").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=predictions-table]")).ToContainTextAsync("test examples");
        await Assertions.Expect(page.Locator("[data-testid='download-adapter.safetensors']")).ToBeVisibleAsync();
        // BiDoRA retrains by default for as many steps as the search; the lower loss is drawn through both phases.
        Assert.Equal(2 * Steps, await PointsAsync(page));
        // The form's estimate is what the trainer reported.
        await Assertions.Expect(page.Locator("[data-testid=run-summary]")).ToContainTextAsync("13 k trainable");
        await Shot(page, "run-completed", fullPage: true);

        // The adapter downloads through the artifacts endpoint.
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("[data-testid='download-adapter.safetensors']").ClickAsync());
        Assert.Equal("adapter.safetensors", download.SuggestedFilename);

        await GotoAsync(page, "/runs");
        await Assertions.Expect(page.Locator("[data-testid=runs-table]")).ToContainTextAsync("BBP BiDoRA");
        await Assertions.Expect(page.Locator("[data-testid=runs-table]")).ToContainTextAsync("accuracy");
        await Shot(page, "runs");

        // Predict: typing is checked as it happens; three BBP test peptides score with probabilities.
        await GotoAsync(page, "/predict");
        var text = page.Locator("[data-testid=predict-text] textarea, textarea[data-testid=predict-text]").First;
        await text.FillAsync(">bad\nACDXZ1");
        await Assertions.Expect(page.Locator("[data-testid=predict-issues]")).ToContainTextAsync("position");
        await text.FillAsync(">p1\nACSSSPSKHCG\n>p2\nCAGALCY\n>p3\nCGHKAKGPRK");
        await Assertions.Expect(page.Locator("[data-testid=predict-valid]")).ToContainTextAsync("3 sequences ready");
        await page.Locator("[data-testid=predict-run-button]").ClickAsync();
        var results = page.Locator("[data-testid=predict-table]");
        await Assertions.Expect(results).ToContainTextAsync("p3", new() { Timeout = 60_000 });
        await Assertions.Expect(results.Locator("tbody tr")).ToHaveCountAsync(3);
        await Assertions.Expect(results).ToContainTextAsync("%");
        var csv = await page.RunAndWaitForDownloadAsync(() => page.Locator("[data-testid=predict-download]").ClickAsync());
        var lines = File.ReadAllLines(await csv.PathAsync());
        Assert.StartsWith("id,sequence,predicted,p_", lines[0]);
        Assert.Equal(4, lines.Length);
        await Shot(page, "predict");

        await GotoAsync(page, "/models");
        await Assertions.Expect(page.Locator("[data-testid=model-tiny]")).ToContainTextAsync("bundled");
        await Shot(page, "models");
        await GotoAsync(page, "/compare");
        await Shot(page, "compare");

        Assert.Empty(errors);
    }

    private async Task GotoAsync(IPage page, string path)
    {
        await page.GotoAsync(new Uri(_server.BaseAddress, path).ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
        await Browser.WaitUntilInteractiveAsync(page);
    }

    private static Task Shot(IPage page, string name, bool fullPage = true) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(Browser.ScreenshotsDirectory, $"{name}.png"), FullPage = fullPage });

    private static async Task<int> PointsAsync(IPage page) =>
        await page.EvaluateAsync<int>("() => { const el = document.querySelector('[data-testid=loss-chart]'); return el && el.data && el.data.length ? el.data[0].x.length : 0; }");

    private static async Task<int> WaitForPointsAsync(IPage page, int atLeast)
    {
        await page.WaitForFunctionAsync(
            "n => { const el = document.querySelector('[data-testid=loss-chart]'); return !!el && !!el.data && el.data.length > 0 && el.data[0].x.length >= n; }",
            atLeast, new() { Timeout = 120_000, PollingInterval = 100 });
        return await PointsAsync(page);
    }
}
