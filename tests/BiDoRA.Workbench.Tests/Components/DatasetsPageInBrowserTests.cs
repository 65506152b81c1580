using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Tests.Infrastructure;
using Microsoft.Playwright;

namespace BiDoRA.Workbench.Tests.Components;

/// <summary>The Datasets page in Chromium: a file with bad rows lists each problem with its row, nothing is stored until it imports; samples and delete.</summary>
public sealed class DatasetsPageInBrowserTests : IAsyncLifetime
{
    private WorkbenchServer _server = null!;
    private Browser _browser = null!;

    public async Task InitializeAsync()
    {
        _server = await WorkbenchServer.StartAsync();
        _browser = await Browser.LaunchAsync();
        Assertions.SetDefaultExpectTimeout(30_000);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Before_the_circuit_is_up_the_drop_zone_says_it_is_connecting_and_takes_no_file()
    {
        // The prerendered page, as a browser has it until Blazor connects.
        var html = System.Net.WebUtility.HtmlDecode(await _server.Http.GetStringAsync("/datasets"));
        Assert.Contains("Connecting to the workbench…", html);
        Assert.Matches("<input[^>]*type=\"file\"[^>]*disabled|<input[^>]*disabled[^>]*type=\"file\"", html);
    }

    [Fact]
    public async Task Bad_rows_are_listed_with_their_rows_and_can_be_skipped_then_the_dataset_is_deleted()
    {
        var (page, errors) = await _browser.NewPageAsync();
        await page.GotoAsync(new Uri(_server.BaseAddress, "/datasets").ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
        await Assertions.Expect(page.Locator("[data-testid=datasets-empty]")).ToBeVisibleAsync();
        await Browser.WaitUntilInteractiveAsync(page);
        await Assertions.Expect(page.GetByTestId("dataset-drop-title")).ToHaveTextAsync("Drop a file here, or click to choose one");

        await page.Locator("input[type=file]").First.SetInputFilesAsync(Path.Combine(TestPaths.Fixtures, "data", "invalid_characters.csv"));
        var problems = page.Locator("[data-testid=dataset-errors]");
        // Rows 3 and 4 of the file (the header is row 1): '1' and 'J', and '-'.
        await Assertions.Expect(problems).ToContainTextAsync("sequence");
        var rows = await problems.Locator("tbody tr td:first-child").AllTextContentsAsync();
        Assert.Equal(["3", "4"], rows.Select(r => r.Trim()).Distinct());
        await Assertions.Expect(page.Locator("[data-testid=dataset-import]")).ToBeDisabledAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Browser.ScreenshotsDirectory, "datasets-errors.png"), FullPage = true });
        Assert.Empty(_server.Services.GetRequiredService<DatasetStore>().List());

        // Skipping the bad rows turns them into warnings; the one good row imports.
        await page.GetByText("Skip invalid rows (import the rest").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=dataset-warnings]")).ToContainTextAsync("sequence");
        await Assertions.Expect(page.Locator("[data-testid=dataset-import]")).ToBeEnabledAsync();
        await page.Locator("[data-testid=dataset-import]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=datasets-table]")).ToContainTextAsync("invalid_characters");
        var stored = Assert.Single(_server.Services.GetRequiredService<DatasetStore>().List());
        Assert.Equal(1, stored.Rows);

        // A sample in one click.
        await page.Locator("[data-testid=sample-bbp]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=datasets-table] tbody tr")).ToHaveCountAsync(2);

        // Delete asks first, then removes.
        await page.Locator("[data-testid=datasets-table] tbody tr", new() { HasText = "invalid_characters" }).Locator("[data-testid=dataset-delete]").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=datasets-table] tbody tr")).ToHaveCountAsync(1);
        Assert.DoesNotContain(_server.Services.GetRequiredService<DatasetStore>().List(), d => d.Name == "invalid_characters");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task The_leakage_audit_of_the_BBP_sample_shows_as_a_histogram_in_its_details()
    {
        var bbp = (await _server.Services.GetRequiredService<Services.Datasets.DatasetService>().AddSampleAsync("bbp"))!.Dataset!;
        var (page, errors) = await _browser.NewPageAsync();
        await page.GotoAsync(new Uri(_server.BaseAddress, "/datasets").ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
        await Browser.WaitUntilInteractiveAsync(page);
        await page.GetByTestId("dataset-open").First.ClickAsync();
        var histogram = page.GetByTestId("leakage-histogram");
        await Assertions.Expect(histogram).ToBeVisibleAsync(new() { Timeout = 120_000 });
        var audit = _server.Services.GetRequiredService<Services.Datasets.LeakageAuditService>().View(bbp.Id)!;
        Assert.Equal((198, 38), (audit.TrainSequences, audit.TestSequences));
        var counts = await histogram.Locator(".identity-count").AllTextContentsAsync();
        Assert.Equal(audit.Histogram.Select(b => b.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)), counts.Select(c => c.Trim()));
        Assert.Equal(38, counts.Sum(c => int.Parse(c, System.Globalization.CultureInfo.InvariantCulture)));
        await Assertions.Expect(page.GetByTestId(audit.AtOrAbove > 0 ? "leakage-warning" : "leakage-clean")).ToBeVisibleAsync();
        await page.GetByTestId("leakage-audit").ScreenshotAsync(new() { Path = Path.Combine(Browser.ScreenshotsDirectory, "datasets-leakage-audit.png") });
        Console.WriteLine($"BBP leakage audit: {audit.TestSequences} test against {audit.TrainSequences} training sequences in {audit.Seconds:0.00} s; {audit.AtOrAbove} at ≥ 90 %; histogram {string.Join(" ", counts)}");
        Assert.Empty(errors);
    }
}
