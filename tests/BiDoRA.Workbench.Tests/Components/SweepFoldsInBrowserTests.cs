using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Workbench.Components.Comparison;
using BiDoRA.Workbench.Services.Datasets;
using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Services.Sweeps;
using BiDoRA.Workbench.Tests.Infrastructure;
using Microsoft.Playwright;

namespace BiDoRA.Workbench.Tests.Components;

/// <summary>
/// Cross-validation and pooling in a real browser over the real trainer, on 40-row slices of the samples and the
/// bundled tiny model (a few steps a run): a folds sweep started from the form ends in its fold table and results;
/// the Compare page pools two sweeps and shows the numbers the engine's pooled comparison gives on the same runs.
/// </summary>
public sealed class SweepFoldsInBrowserTests : IAsyncLifetime
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
    public async Task Folds_sweep_started_from_the_form_ends_in_its_fold_table_with_mean_sd_and_seed_fold_pairs()
    {
        var bbp = AddSlice("bbp", TaskKind.Binary);
        var (page, errors) = await _browser.NewPageAsync(1440, 900);
        await page.GotoAsync(Url($"/sweeps/new?dataset={bbp.Id}"), new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
        await Assertions.Expect(Field(page, "new-sweep-dataset")).ToHaveValueAsync(bbp.Id, new() { Timeout = 30_000 });
        await Browser.WaitUntilInteractiveAsync(page);

        await Field(page, "new-sweep-method-lora").ClickAsync();
        await FillAsync(page, "new-sweep-seeds", "1");
        await Assertions.Expect(page.GetByTestId("new-sweep-start")).ToContainTextAsync("Start 2 runs", new() { Timeout = 30_000 });
        // From the keyboard: the folds field takes the focus and a number; Tab moves on and the plan follows.
        await Field(page, "new-sweep-folds").FocusAsync();
        await page.Keyboard.TypeAsync("2");
        await page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(page.GetByTestId("new-sweep-start")).ToContainTextAsync("Start 4 runs", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("new-sweep-plan")).ToContainTextAsync("2 methods × 1 seed × 2 folds = 4 runs");
        await Assertions.Expect(page.GetByTestId("new-sweep-reach")).ToContainTextAsync("2 pairs: a two-sided p cannot go below 0.5, so p < 0.05 is out of reach");
        await FillAsync(page, "new-sweep-steps", "2");
        await FillAsync(page, "new-sweep-batch", "8");
        await page.GetByText("Advanced settings (shared by every run)").ClickAsync();
        await Assertions.Expect(Field(page, "new-sweep-rank")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await FillAsync(page, "new-sweep-rank", "2");
        await FillAsync(page, "new-sweep-eval-every", "2");
        await FillAsync(page, "new-sweep-checkpoint-every", "2");
        await FillAsync(page, "new-sweep-retrain-steps", "1");
        await Assertions.Expect(page.GetByTestId("new-sweep-time")).ToContainTextAsync("per run", new() { Timeout = 30_000 });
        await page.GetByTestId("new-sweep-start").ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/sweeps/[0-9a-f]{16}$"), new() { Timeout = 60_000 });
        var id = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        await Assertions.Expect(page.GetByTestId("sweep-cell")).ToHaveCountAsync(4);
        try
        {
            await Assertions.Expect(page.Locator("[data-sweep-status]")).ToHaveAttributeAsync("data-sweep-status", "Completed", new() { Timeout = 300_000 });
        }
        finally
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.ScreenshotsDirectory, "sweep-folds-page.png"), FullPage = true });
        }
        var cells = await page.Locator("[data-testid=sweep-cell][data-run-status=Completed]").EvaluateAllAsync<string[]>(
            "cells => cells.map(c => c.dataset.method + '/' + c.dataset.seed + '/' + c.dataset.fold)");
        Assert.Equal(["dora/1/1", "bidora/1/1", "dora/1/2", "bidora/1/2"], cells);
        await Assertions.Expect(page.GetByTestId("sweep-summary")).ToContainTextAsync("× 2 folds (stratified)");

        // The results are the workbench's comparison of the same runs: mean ± sd over both folds, pairs by (seed, fold).
        var comparison = (await _server.Http.GetFromJsonAsync<ComparisonResult>($"/api/sweeps/{id}/compare", WorkbenchClient.Json))!;
        var results = page.GetByTestId("sweep-results");
        await Assertions.Expect(results.GetByTestId("compare-row")).ToHaveCountAsync(2, new() { Timeout = 30_000 });
        foreach (var group in comparison.Groups)
        {
            Assert.Equal(2, group.Completed);
            var cell = results.Locator($"[data-testid=compare-row][data-group={group.Group}] [data-metric={comparison.PrimaryMetric}]");
            await Assertions.Expect(cell).ToHaveTextAsync(MetricNames.MeanSd(group.Metrics[comparison.PrimaryMetric]));
            Assert.Contains("±", await cell.TextContentAsync());
        }
        var test = comparison.Comparison!.Tests[0];
        Assert.Equal(["seed 1 fold 1", "seed 1 fold 2"], test.Pairs);
        await results.GetByText("The 2 pairs, by (seed, fold)").ClickAsync();
        var pairs = results.Locator("[data-testid=wilcoxon-pair] td:first-child");
        await Assertions.Expect(pairs).ToHaveTextAsync(["seed 1 fold 1", "seed 1 fold 2"], new() { Timeout = 30_000 });
        await Assertions.Expect(results.GetByTestId("wilcoxon-reach")).ToContainTextAsync(PairReach.Describe(test.Result, TestAlternative.TwoSided));
        await Assertions.Expect(results.GetByTestId("wilcoxon-sentence")).ToContainTextAsync(WilcoxonSentence.Describe(test, "dora", "bidora", TestAlternative.TwoSided));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.ScreenshotsDirectory, "sweep-folds-results.png"), FullPage = true });
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Compare_page_pools_two_sweeps_per_task_and_pooled_as_the_engine_does()
    {
        var bbp = await CreateSweepAsync(AddSlice("bbp", TaskKind.Binary), folds: null, seeds: [1, 2]);
        var mic = await CreateSweepAsync(AddSlice("mic", TaskKind.Regression), folds: 2, seeds: [1]);
        await WaitForEndAsync(bbp.Id);
        await WaitForEndAsync(mic.Id);

        // The engine's pooled comparison over the same run folders, as compare --sweep A --sweep B runs it.
        var paths = _server.Services.GetRequiredService<WorkbenchPaths>();
        IReadOnlyList<ComparedRun> Runs(SweepDetails sweep) => sweep.Runs.Select(r => new ComparedRun(r.RunId, r.RunId, paths.RunFolder(r.RunId))).ToList();
        var (_, expected) = PooledComparison.Compare([(bbp.Name, Runs(bbp)), (mic.Name, Runs(mic))], new ComparisonOptions { A = "dora", B = "bidora" });
        Assert.Equal([2, 2], expected.Tasks.Select(t => t.Pairs));
        Assert.Equal(["accuracy", "mse"], expected.Tasks.Select(t => t.Metric));

        var (page, errors) = await _browser.NewPageAsync(1440, 900);
        await page.GotoAsync(Url($"/compare?sweeps={bbp.Id},{mic.Id}"), new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
        var rows = page.GetByTestId("pooled-row");
        await Assertions.Expect(rows).ToHaveCountAsync(3, new() { Timeout = 30_000 });
        async Task ExpectRow(string task, int pairs, double? difference, double? improvement, WilcoxonResult? result)
        {
            var row = page.Locator($"[data-testid=pooled-row][data-task=\"{task}\"]");
            await Assertions.Expect(row.Locator("[data-column=pairs]")).ToHaveTextAsync(pairs.ToString());
            await Assertions.Expect(row.Locator("[data-column=difference]")).ToHaveTextAsync(MetricNames.Number(difference));
            await Assertions.Expect(row.Locator("[data-column=improvement]")).ToHaveTextAsync(MetricNames.Number(improvement));
            await Assertions.Expect(row.Locator("[data-column=p]")).ToHaveTextAsync(MetricNames.PValue(result!.PValue));
            await Assertions.Expect(row.Locator("[data-column=floor]")).ToHaveTextAsync(MetricNames.PValue(WilcoxonSignedRank.SmallestPossibleP(result.NonZero, TestAlternative.TwoSided)));
        }
        foreach (var task in expected.Tasks) await ExpectRow(task.Name, task.Pairs, task.MeanDifference, task.MeanImprovement, task.Result);
        await ExpectRow("pooled", 4, null, expected.MeanImprovement, expected.Result);
        Assert.Equal(4, expected.Pairs.Count);

        // Four pairs cannot reach 0.05 two-sided, and the page says so, for the pool and for each task alone.
        var reach = page.GetByTestId("pooled-reach");
        await Assertions.Expect(reach).ToContainTextAsync("Pooled: " + PairReach.Describe(expected.Result, TestAlternative.TwoSided));
        await Assertions.Expect(reach.GetByTestId("pooled-task-reach")).ToHaveCountAsync(2);
        await Assertions.Expect(page.GetByTestId("pooled-sentence")).ToContainTextAsync($"of 4 pairs over 2 tasks; p = {MetricNames.PValue(expected.Result!.PValue)}");
        await Assertions.Expect(page.GetByTestId("pooled-report")).ToHaveAttributeAsync("href", new Regex($"api/compare/pooled/report\\?sweeps={bbp.Id}%2C{mic.Id}&a=dora&b=bidora"));

        // A stricter level is a choice in the URL; the API answers the same numbers.
        await page.GotoAsync(Url($"/compare?sweeps={bbp.Id},{mic.Id}&alpha=0.01"), new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
        await Assertions.Expect(reach).ToContainTextAsync("so p < 0.01 is out of reach (8 non-tied pairs are needed)", new() { Timeout = 30_000 });
        // The picker names the pooled sweeps.
        await Assertions.Expect(Field(page, "compare-pool")).ToHaveValueAsync(new Regex($"{Regex.Escape(bbp.Name)}.*{Regex.Escape(mic.Name)}"));
        var api = (await _server.Http.GetFromJsonAsync<PooledComparisonResult>($"/api/compare/pooled?sweeps={bbp.Id},{mic.Id}&a=dora&b=bidora", WorkbenchClient.Json))!;
        Assert.Equal(expected.Result.PValue, api.Result!.PValue);
        Assert.Equal(expected.Pairs.Select(p => p.Improvement), api.Pairs.Select(p => p.Improvement));
        using var report = await _server.Http.GetAsync($"/api/compare/pooled/report?sweeps={bbp.Id},{mic.Id}");
        Assert.Equal(HttpStatusCode.OK, report.StatusCode);
        Assert.Contains("Pooled test", await report.Content.ReadAsStringAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.ScreenshotsDirectory, "compare-pooled.png"), FullPage = true });
        Assert.Empty(errors);
    }

    /// <summary>40 rows of a sample's training file (its first and last 20), stored as an import stores them.</summary>
    private DatasetRecord AddSlice(string sample, TaskKind task)
    {
        var lines = File.ReadAllLines(Path.Combine(TestPaths.Samples, sample, "train.csv"));
        return _server.AddCsvDataset($"{sample}-slice", string.Join('\n', [lines[0], .. lines.Skip(1).Take(20), .. lines.TakeLast(20)]), task);
    }

    private async Task<SweepDetails> CreateSweepAsync(DatasetRecord dataset, int? folds, int[] seeds)
    {
        using var response = await _server.Http.PostAsJsonAsync("/api/sweeps", new
        {
            datasetId = dataset.Id,
            methods = new[] { "dora", "bidora" },
            seeds,
            folds,
            settings = new { model = "tiny", steps = 2, batchSize = 8, evalEvery = 2, checkpointEvery = 2, rank = 2, retrainSteps = 1, device = "cpu" },
        }, WorkbenchClient.Json);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonSerializer.Deserialize<SweepDetails>(text, WorkbenchClient.Json)!;
    }

    private async Task WaitForEndAsync(string id)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        while (true)
        {
            var sweep = (await _server.Http.GetFromJsonAsync<SweepDetails>($"/api/sweeps/{id}", WorkbenchClient.Json))!;
            if (sweep.Status is SweepStatus.Completed) return;
            Assert.False(sweep.Status is SweepStatus.Incomplete, string.Join("; ", sweep.Runs.Select(r => $"{r.Method}/{r.Seed}/{r.Fold}: {r.Status} {r.Error}")));
            if (limit.IsCancellationRequested) Assert.Fail($"Sweep {id} is still {sweep.Status}.");
            await Task.Delay(200, CancellationToken.None);
        }
    }

    private string Url(string path) => new Uri(_server.BaseAddress, path).ToString();

    private static async Task FillAsync(IPage page, string testId, string value)
    {
        var input = Field(page, testId);
        await input.FillAsync(value);
        await input.PressAsync("Tab");
    }

    private static ILocator Field(IPage page, string testId) => page.Locator($"input[data-testid={testId}], [data-testid={testId}] input").First;
}
