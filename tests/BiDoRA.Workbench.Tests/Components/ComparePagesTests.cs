using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Components;
using BiDoRA.Workbench.Components.Comparison;
using BiDoRA.Workbench.Components.Pages;
using BiDoRA.Workbench.Components.Sweeps;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Services.Sweeps;
using BiDoRA.Workbench.Tests.Infrastructure;
using Bunit;
using Microsoft.AspNetCore.Components;

namespace BiDoRA.Workbench.Tests.Components;

/// <summary>The sweep form, the sweep page and the pieces of the compare page, rendered with bUnit over a real workbench's services.</summary>
public sealed class ComparePagesTests : PageTests
{
    [Fact]
    public void Compare_without_anything_to_compare_offers_to_start_a_sweep()
    {
        var page = RenderPage<Compare>();
        Assert.Contains("Nothing to compare yet", page.Find("[data-testid=compare-empty]").TextContent);
        Assert.Equal("sweeps/new", page.Find("a[data-testid=compare-start-sweep]").GetAttribute("href"));
    }

    [Fact]
    public async Task Hand_picked_runs_get_a_report_link_with_the_same_runs()
    {
        var dataset = Server.AddDataset();
        var first = await Server.CreateRunAsync(dataset.Id, new { method = "dora" });
        var second = await Server.CreateRunAsync(dataset.Id, new { method = "bidora" });
        Context.Services.GetRequiredService<NavigationManager>().NavigateTo($"compare?runs={first.Id},{second.Id}");
        var page = RenderPage<Compare>();
        page.WaitForAssertion(() =>
            Assert.Matches($"api/compare/report\\?.*runs={first.Id}%2C{second.Id}", page.Find("[data-testid=compare-report]").GetAttribute("href")));
        Assert.Equal("comparison.html", page.Find("[data-testid=compare-report]").GetAttribute("download"));
    }

    [Fact]
    public void Sentence_says_who_won_how_often_and_why_three_seeds_cannot_be_significant()
    {
        var a = new[] { 0.50, 0.61, 0.70 };
        var b = new[] { 0.55, 0.64, 0.79 };
        var result = WilcoxonSignedRank.Test(b, a, TestAlternative.TwoSided);
        var test = new MetricTest("mcc", true, a, b, b.Zip(a).Average(p => p.First - p.Second), result);

        Assert.Equal(
            "BiDoRA's MCC is higher than DoRA's in 3 of 3 seeds; p = 0.25 (exact, two-sided): not significant at 0.05 with so few seeds (3 non-tied pairs cannot give p below 0.25).",
            WilcoxonSentence.Describe(test, "dora", "bidora", TestAlternative.TwoSided));

        // Lower is better for MSE, and six seeds one-sided can reach significance.
        var mseA = new[] { 0.30, 0.31, 0.29, 0.35, 0.33, 0.32 };
        var mseB = new[] { 0.20, 0.21, 0.22, 0.25, 0.24, 0.23 };
        var less = WilcoxonSignedRank.Test(mseB, mseA, TestAlternative.Less);
        var sentence = WilcoxonSentence.Describe(new MetricTest("mse", false, mseA, mseB, -0.1, less), "lora", "bidora", TestAlternative.Less);
        Assert.Equal("BiDoRA's MSE is lower than LoRA's in 6 of 6 seeds (lower MSE is better); p = 0.0156 (exact, one-sided, BiDoRA less): significant at 0.05.", sentence);
    }

    [Fact]
    public void Sentence_for_all_seeds_tied_says_so_and_still_names_the_alternative_asked_for()
    {
        var same = new[] { 0.5, 0.5, 0.5 };
        var result = WilcoxonSignedRank.Test(same, same, TestAlternative.Greater);
        var test = new MetricTest("accuracy", true, same, same, 0, result);

        Assert.Equal(
            "BiDoRA and DoRA have the same accuracy in all 3 seeds, so the test (one-sided, BiDoRA greater) cannot tell them apart (p = 1).",
            WilcoxonSentence.Describe(test, "dora", "bidora", TestAlternative.Greater));
    }

    [Fact]
    public void Wilcoxon_panel_shows_w_n_p_method_and_effect_size()
    {
        var a = new[] { 0.50, 0.61, 0.70, 0.40 };
        var b = new[] { 0.55, 0.60, 0.79, 0.48 };
        var result = WilcoxonSignedRank.Test(b, a, TestAlternative.Greater);
        var paired = new PairedComparison("dora", "bidora", TestAlternative.Greater, [1, 2, 3, 4], [],
            [new MetricTest("accuracy", true, a, b, 0.0525, result)]);

        var panel = Context.Render<WilcoxonPanel>(p => p.Add(c => c.Paired, paired));
        Assert.Equal(Display.Number(result.Statistic), panel.Find("[data-testid=wilcoxon-w] .stat-value").TextContent.Trim());
        Assert.Equal("4", panel.Find("[data-testid=wilcoxon-n] .stat-value").TextContent.Trim());
        Assert.Equal(MetricNames.PValue(result.PValue), panel.Find("[data-testid=wilcoxon-p] .stat-value").TextContent.Trim());
        Assert.Contains("exact", panel.Find("[data-testid=wilcoxon-p]").TextContent);
        Assert.Equal(Display.Number(result.EffectSizeR), panel.Find("[data-testid=wilcoxon-r] .stat-value").TextContent.Trim());
        Assert.Contains("higher than DoRA's in 3 of 4 seeds", panel.Find("[data-testid=wilcoxon-sentence]").TextContent);
        Assert.Contains("one-sided, BiDoRA greater", panel.Find("[data-testid=wilcoxon-sentence]").TextContent);
    }

    [Fact]
    public void Table_shows_mean_and_sd_per_method_params_and_time_with_the_best_in_bold()
    {
        var groups = new[]
        {
            Group("dora", AdapterMethod.Dora, [0.70, 0.74], [0.10, 0.12], 2176, [10, 12]),
            Group("bidora", AdapterMethod.BiDora, [0.80, 0.82], [0.09, 0.07], 2176, [20, 24]),
        };
        var result = new ComparisonResult(Engine.Data.TaskKind.Binary, "test", ["accuracy", "mse"], "accuracy", [], groups, null, []);

        var table = Context.Render<ComparisonTable>(p => p.Add(c => c.Result, result));
        var bidora = table.Find("[data-group=bidora]");
        Assert.Equal("0.81 ± 0.01414", bidora.QuerySelector("[data-metric=accuracy]")!.TextContent.Trim());
        Assert.NotNull(bidora.QuerySelector("[data-metric=accuracy] b"));
        Assert.NotNull(bidora.QuerySelector("[data-metric=mse] b"));   // lower is better
        Assert.Null(table.Find("[data-group=dora]").QuerySelector("[data-metric=accuracy] b"));
        Assert.Equal("2,176", bidora.QuerySelector("[data-testid=compare-params]")!.TextContent.Trim());
        Assert.Equal("22.0 s ± 2.8 s", bidora.QuerySelector("[data-testid=compare-time]")!.TextContent.Trim());
    }

    [Fact]
    public void Decomposition_figure_colours_by_layer_marks_steps_and_draws_the_fit()
    {
        WeightDecompositionPoint P(int layer, string kind, int step, double d, double m) =>
            new($"encoder.layer.{layer}.attention.self.{kind}", layer, $"attention.self.{kind}", step, m, d);
        var points = new List<WeightDecompositionPoint>
        {
            P(0, "query", 5, 0.010, 0.030), P(0, "value", 5, 0.020, 0.020), P(1, "query", 5, 0.030, 0.012),
            P(0, "query", 10, 0.040, 0.005), P(0, "value", 10, 0.050, 0.001), P(1, "query", 10, 0.060, -0.004),
        };
        var analysis = new WeightDecompositionResult(AdapterMethod.BiDora, "tiny", [5, 10], points.Select(p => p.Module).Distinct().ToList(), points,
            [WeightDecompositionFit.Of(WeightDecompositionFit.All, points)]);

        var traces = ComparisonFigures.Decomposition(analysis).Select(t => System.Text.Json.JsonSerializer.SerializeToElement(t)).ToList();
        Assert.Equal(["layer 0", "layer 1", $"fit: k = {Display.Number(analysis.Overall.Slope)}", "step 5", "step 10"], traces.Select(t => t.GetProperty("name").GetString()));
        var layer0 = traces[0];
        Assert.Equal([0.010, 0.020, 0.040, 0.050], layer0.GetProperty("x").EnumerateArray().Select(x => x.GetDouble()));
        Assert.Equal(["circle", "circle", "square", "square"], layer0.GetProperty("marker").GetProperty("symbol").EnumerateArray().Select(s => s.GetString()));
        Assert.True(analysis.Overall.Slope < 0);
        var line = traces[2].GetProperty("y").EnumerateArray().Select(y => y.GetDouble()).ToList();
        Assert.Equal(analysis.Overall.Slope * 0.010 + analysis.Overall.Intercept, line[0], 12);
        Assert.Equal(analysis.Overall.Slope * 0.060 + analysis.Overall.Intercept, line[1], 12);
    }

    [Fact]
    public void Seeds_field_takes_a_count_or_a_list_and_names_what_is_wrong()
    {
        Assert.Equal([1, 2, 3], SeedInput.Parse("3").Seeds!);
        Assert.True(SeedInput.Parse("3").IsCount);
        Assert.False(SeedInput.Parse("3, 4").IsCount);
        Assert.Equal([1, 2, 3, 7], SeedInput.Parse(" 1-3, 7 ").Seeds!);
        Assert.Equal("list seed 2 twice.", SeedInput.Parse("1, 2, 2").Error);
        Assert.Equal("'x' is not a seed: use whole numbers of 0 or more, e.g. 1, 2, 3 or 1-5.", SeedInput.Parse("1, x").Error);
        Assert.Equal("must be at least 1.", SeedInput.Parse("0").Error);
        Assert.NotNull(SeedInput.Parse("").Error);
    }

    [Fact]
    public void New_sweep_estimates_each_method_and_the_whole_sweep_and_follows_the_seeds()
    {
        Server.AddDataset("peptides");
        var page = RenderPage<NewSweep>();
        var time = () => page.Find("[data-testid=new-sweep-time]").TextContent;
        page.WaitForAssertion(() => Assert.Contains("per run", time()), TimeSpan.FromSeconds(30));
        Assert.Contains("LoRA ≈", time());
        Assert.Contains("DoRA ≈", time());
        Assert.Contains("BiDoRA ≈", time());
        var threeSeeds = time();

        Input(page, "new-sweep-seeds").Input("6");
        page.WaitForAssertion(() => Assert.Contains("per run", time()), TimeSpan.FromSeconds(30));
        // The per-run times stay, the total doubles.
        Assert.Equal(threeSeeds[threeSeeds.IndexOf('(')..], time()[time().IndexOf('(')..]);
        Assert.NotEqual(threeSeeds, time());

        Input(page, "new-sweep-steps").Change("0");
        page.WaitForAssertion(() => Assert.Contains("Fix the marked fields to see how long it takes.", time()));
    }

    [Fact]
    public void New_sweep_shows_errors_on_the_fields_then_queues_methods_times_seeds_and_the_sweep_page_cancels_them()
    {
        var dataset = Server.AddDataset("peptides");
        var page = RenderPage<NewSweep>();
        Assert.Contains("9 runs", page.Find("[data-testid=new-sweep-start]").TextContent);

        Input(page, "new-sweep-seeds").Input("1, 2, 2");
        page.WaitForAssertion(() => Assert.Contains("Seeds list seed 2 twice.", page.Markup));
        Input(page, "new-sweep-steps").Change("0");
        page.WaitForAssertion(() => Assert.Contains("Steps must be greater than 0.", page.Markup));

        page.Find("form").Submit();
        Assert.Contains("Fix the marked fields", page.Find("[data-testid=new-sweep-errors]").TextContent);
        Assert.Empty(Server.Services.GetRequiredService<SweepStore>().List());

        Input(page, "new-sweep-seeds").Input("4, 9");
        Input(page, "new-sweep-steps").Change("3");
        Input(page, "new-sweep-method-lora").Change(false);
        page.WaitForAssertion(() => Assert.Contains("4 runs", page.Find("[data-testid=new-sweep-start]").TextContent));
        // The numeric field reports its change asynchronously: under load the run count can follow the seeds first.
        page.WaitForAssertion(() => Assert.DoesNotContain("Steps must be greater than 0.", page.Markup));
        page.Find("form").Submit();

        var sweep = Assert.Single(Server.Services.GetRequiredService<SweepStore>().List());
        Assert.Equal(["dora", "bidora"], sweep.Methods);
        Assert.Equal([4, 9], sweep.Seeds);
        Assert.Equal(dataset.Id, sweep.DatasetId);
        Assert.EndsWith($"sweeps/{sweep.Id}", Context.Services.GetRequiredService<NavigationManager>().Uri);
        var runs = Server.Services.GetRequiredService<RunStore>();
        Assert.All(sweep.Runs, r => Assert.Equal(3, runs.Get(r.RunId)!.Plan.Steps));

        var detail = Context.Render<SweepDetail>(p => p.Add(c => c.Id, sweep.Id));
        var cells = detail.FindAll("[data-testid=sweep-cell]");
        Assert.Equal(["dora/4", "bidora/4", "dora/9", "bidora/9"], cells.Select(c => $"{c.GetAttribute("data-method")}/{c.GetAttribute("data-seed")}"));
        detail.WaitForAssertion(() => Assert.Contains("Running", detail.FindAll("[data-testid=sweep-cell]").Select(c => c.GetAttribute("data-run-status"))), TimeSpan.FromSeconds(10));
        Assert.Empty(detail.FindAll("[data-testid=sweep-compare]"));

        detail.Find("[data-testid=sweep-cancel]").Click();
        detail.WaitForAssertion(() => Assert.All(detail.FindAll("[data-testid=sweep-cell]"), c => Assert.Equal("Cancelled", c.GetAttribute("data-run-status"))), TimeSpan.FromSeconds(20));
        Assert.Equal("Incomplete", detail.Find("[data-sweep-status]").GetAttribute("data-sweep-status"));
    }

    private static GroupSummary Group(string name, AdapterMethod method, double[] accuracy, double[] mse, long parameters, double[] seconds) =>
        new(name, method, accuracy.Length, accuracy.Length, Enumerable.Range(1, accuracy.Length).ToList(),
            new Dictionary<string, SampleSummary> { ["accuracy"] = SampleSummary.Of(accuracy), ["mse"] = SampleSummary.Of(mse) },
            SampleSummary.Of([parameters + 1000.0]), SampleSummary.Of([(double)parameters]), SampleSummary.Of(seconds));
}
