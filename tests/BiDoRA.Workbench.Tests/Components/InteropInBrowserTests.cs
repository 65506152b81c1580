using System.IO.Compression;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Tests.Infrastructure;
using Microsoft.Playwright;

namespace BiDoRA.Workbench.Tests.Components;

/// <summary>
/// In Chromium with the real trainer: a completed run's page downloads the PEFT export, the Models page imports it
/// as a trained model, and Predict scores sequences with it; a full fine-tuning run offers the merged export only.
/// </summary>
[Collection(nameof(RealTrainingCollection))]
public sealed class InteropInBrowserTests : IAsyncLifetime
{
    private WorkbenchServer _server = null!;
    private Browser _browser = null!;

    public async Task InitializeAsync()
    {
        _server = await WorkbenchServer.StartWithTrainerAsync();
        _browser = await Browser.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Run_page_export_imports_on_the_Models_page_and_predicts()
    {
        var dataset = await _server.ImportAsync("bbp-train.csv", Uploads.Sample("bbp", "train.csv"), new Dictionary<string, string> { ["name"] = "BBP" });
        var created = await _server.CreateRunAsync(dataset.Id, new { model = "tiny", method = "dora", steps = 4, batchSize = 8, evalEvery = 2, device = "cpu", name = "BBP DoRA" });
        var full = await _server.CreateRunAsync(dataset.Id, new { model = "tiny", method = "full", steps = 2, batchSize = 8, evalEvery = 2, device = "cpu", name = "BBP full" });
        var run = await _server.WaitForStatusAsync(created.Id, RunStatus.Completed, TimeSpan.FromMinutes(3));
        await _server.WaitForStatusAsync(full.Id, RunStatus.Completed, TimeSpan.FromMinutes(3));
        var (page, errors) = await _browser.NewPageAsync();

        await GotoAsync(page, $"/runs/{run.Id}");
        await Assertions.Expect(page.GetByTestId("export-merged")).ToBeVisibleAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-peft").ClickAsync());
        Assert.Equal("BBP-DoRA-peft.zip", download.SuggestedFilename);
        var folder = Path.Combine(Path.GetTempPath(), "bidora-tests", Guid.NewGuid().ToString("N"), "bbp-peft");
        ZipFile.ExtractToDirectory(await download.PathAsync(), folder);
        Assert.True(File.Exists(Path.Combine(folder, "adapter_model.safetensors")));
        await page.ScreenshotAsync(new() { Path = Path.Combine(Browser.ScreenshotsDirectory, "run-export.png") });

        await GotoAsync(page, $"/runs/{full.Id}");
        await Assertions.Expect(page.GetByTestId("export-merged")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("export-peft")).ToHaveCountAsync(0);

        await GotoAsync(page, "/models");
        await page.Locator("input[data-testid=trained-import-path], [data-testid=trained-import-path] input").First.FillAsync(folder);
        await page.GetByTestId("trained-import").ClickAsync();
        var table = page.GetByTestId("trained-table");
        await Assertions.Expect(table).ToContainTextAsync("bbp-peft", new() { Timeout = 60_000 });
        await Assertions.Expect(table).ToContainTextAsync("PEFT DoRA adapter on tiny");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Browser.ScreenshotsDirectory, "models-trained.png"), FullPage = true });

        // A folder that is no trained model is refused in place, naming what is missing.
        await page.Locator("input[data-testid=trained-import-path], [data-testid=trained-import-path] input").First.FillAsync(Path.GetTempPath().TrimEnd('/'));
        await page.GetByTestId("trained-import").ClickAsync();
        await Assertions.Expect(page.GetByText("is not a trained model")).ToBeVisibleAsync(new() { Timeout = 30_000 });

        await page.GetByTestId("trained-predict-bbp-peft").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("predict\\?run=trained"), new() { Timeout = 30_000 });
        await Browser.WaitUntilInteractiveAsync(page);
        await Assertions.Expect(page.Locator("input[type=hidden][data-testid=predict-run]")).ToHaveValueAsync("trained:bbp-peft");
        var text = page.Locator("[data-testid=predict-text] textarea, textarea[data-testid=predict-text]").First;
        await text.FillAsync(">p1\nACSSSPSKHCG\n>p2\nCAGALCY\n>p3\nCGHKAKGPRK");
        await Assertions.Expect(page.Locator("[data-testid=predict-valid]")).ToContainTextAsync("3 sequences ready");
        await page.GetByTestId("predict-run-button").ClickAsync();
        var results = page.GetByTestId("predict-table");
        await Assertions.Expect(results.Locator("tbody tr")).ToHaveCountAsync(3, new() { Timeout = 60_000 });
        await Assertions.Expect(results).ToContainTextAsync("%");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Browser.ScreenshotsDirectory, "predict-trained.png"), FullPage = true });
        Assert.Empty(errors);
    }

    private async Task GotoAsync(IPage page, string path)
    {
        await page.GotoAsync(new Uri(_server.BaseAddress, path).ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
        await Browser.WaitUntilInteractiveAsync(page);
    }
}
