using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Components.Comparison;
using BiDoRA.Workbench.Components.Pages;
using BiDoRA.Workbench.Components.Runs;
using BiDoRA.Workbench.Components.Sweeps;
using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Services.Sweeps;
using BiDoRA.Workbench.Tests.Infrastructure;
using Bunit;
using MudBlazor;

namespace BiDoRA.Workbench.Tests.Components;

/// <summary>
/// The New-sweep form's cross-validation, homology and final-weights fields, the sweep page of a folds sweep, and
/// the sentences on what a number of pairs can show, rendered with bUnit over a real workbench's services.
/// </summary>
public sealed class SweepFoldsPagesTests : PageTests
{
    /// <summary>Generous: the machine is shared, and each change re-renders the form and restarts its time estimate.</summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task New_sweep_folds_multiply_the_runs_homology_defaults_to_0_4_and_the_selection_reaches_every_plan()
    {
        Assert.True(Engine.Data.SequenceClustering.IsAvailable, "MMseqs2 is needed here (apt-get install mmseqs2; .ci/run installs it).");
        var dataset = Server.AddDataset("peptides");
        var page = RenderPage<NewSweep>();
        Assert.Contains("9 runs", page.Find("[data-testid=new-sweep-start]").TextContent);
        Assert.True(Input(page, "new-sweep-homology").HasAttribute("disabled"), "homology-aware folds need folds");
        Assert.Contains("pairs runs by seed. 3 pairs: a two-sided p cannot go below 0.25, so p < 0.05 is out of reach (6 non-tied pairs are needed).",
            page.Find("[data-testid=new-sweep-reach]").TextContent);

        const string foldsError = "Folds cross-validation takes 2 to 20 folds.";
        Input(page, "new-sweep-folds").Change("21");
        page.WaitForAssertion(() => Assert.Contains(foldsError, page.Markup), Wait);
        Input(page, "new-sweep-folds").Change("3");
        page.WaitForAssertion(() => Assert.Contains("Start 27 runs", page.Find("[data-testid=new-sweep-start]").TextContent), Wait);
        Assert.DoesNotContain(foldsError, page.Markup);
        Input(page, "new-sweep-folds").Change("1");
        page.WaitForAssertion(() => Assert.Contains(foldsError, page.Markup), Wait);
        Input(page, "new-sweep-folds").Change("2");
        page.WaitForAssertion(() => Assert.Contains("Start 18 runs", page.Find("[data-testid=new-sweep-start]").TextContent), Wait);
        Assert.DoesNotContain(foldsError, page.Markup);
        Assert.Contains("3 methods × 3 seeds × 2 folds = 18 runs", page.Find("[data-testid=new-sweep-plan]").TextContent);
        var reach = page.Find("[data-testid=new-sweep-reach]").TextContent;
        Assert.Contains("pairs runs by (seed, fold). 6 pairs: a two-sided p can go as low as", reach);
        Assert.Contains("so p < 0.05 is within reach.", reach);

        Assert.Empty(page.FindAll("[data-testid=new-sweep-cluster-identity]"));
        Input(page, "new-sweep-homology").Change(true);
        page.WaitForAssertion(() => Assert.Equal("0.4", Input(page, "new-sweep-cluster-identity").GetAttribute("value")), Wait);
        Assert.Contains("with sequences of ≥ 40 % identity kept together", page.Find("[data-testid=new-sweep-plan]").TextContent);
        Input(page, "new-sweep-cluster-identity").Change("1.5");
        page.WaitForAssertion(() => Assert.Contains("Cluster identity must be in (0, 1], e.g. 0.4.", page.Markup), Wait);
        Input(page, "new-sweep-cluster-identity").Change("0.5");
        page.WaitForAssertion(() => Assert.DoesNotContain("Cluster identity must", page.Markup), Wait);

        Input(page, "new-sweep-method-lora").Change(false);
        Input(page, "new-sweep-seeds").Input("1");
        Input(page, "new-sweep-steps").Change("2");
        page.WaitForAssertion(() => Assert.Contains("Start 4 runs", page.Find("[data-testid=new-sweep-start]").TextContent), Wait);

        // The final-weights rule: the selection share only shows (and only counts) with "best".
        Assert.Empty(page.FindAll("[data-testid=new-sweep-selection-fraction]"));
        await page.InvokeAsync(() => page.FindComponent<MudSelect<SelectionRule>>().Instance.SelectOption(SelectionRule.Best));
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=new-sweep-selection-fraction]")), Wait);
        Input(page, "new-sweep-selection-fraction").Change("0.7");
        page.WaitForAssertion(() => Assert.Contains("Selection share must be between 0 and", page.Markup), Wait);
        Input(page, "new-sweep-selection-fraction").Change("0.15");
        Input(page, "new-sweep-retrain-lr").Change("0.0005");
        Input(page, "new-sweep-retrain-weight-decay").Change("0.02");
        // Each field re-renders with its value once the form has it.
        page.WaitForAssertion(() => Assert.DoesNotContain("Selection share must", page.Markup), Wait);
        page.WaitForAssertion(() => Assert.Equal(("0.15", "0.0005", "0.02"),
            (Input(page, "new-sweep-selection-fraction").GetAttribute("value"), Input(page, "new-sweep-retrain-lr").GetAttribute("value"), Input(page, "new-sweep-retrain-weight-decay").GetAttribute("value"))), Wait);
        page.WaitForAssertion(() => Assert.Equal("2", Input(page, "new-sweep-steps").GetAttribute("value")), Wait);
        page.Find("form").Submit();

        var sweep = Assert.Single(Server.Services.GetRequiredService<SweepStore>().List());
        Assert.Equal((2, 0.5), (sweep.Folds, sweep.ClusterIdentity));
        Assert.Equal([("dora", 1, 1), ("bidora", 1, 1), ("dora", 1, 2), ("bidora", 1, 2)], sweep.Runs.Select(r => (r.Method, r.Seed, r.Fold!.Value)));
        var runs = Server.Services.GetRequiredService<RunStore>();
        foreach (var entry in sweep.Runs)
        {
            var plan = runs.Get(entry.RunId)!.Plan;
            Assert.Equal((2, entry.Fold, 0.5), (plan.Folds, plan.Fold, plan.ClusterIdentity));
            Assert.Equal((SelectionRule.Best, 0.15, 2), (plan.Select, plan.SelectionFraction, plan.Steps));
            Assert.Equal((0.0005, 0.02), (plan.RetrainLearningRate, plan.RetrainWeightDecay));
        }
        Assert.Equal(dataset.Id, sweep.DatasetId);
    }

    [Fact]
    public void Without_MMseqs2_the_fold_fields_say_how_to_install_it_and_offer_the_random_split()
    {
        var fields = Context.Render<FoldSettingsFields>(p => p
            .Add(c => c.Settings, new FoldSettings { Folds = 5 })
            .Add(c => c.Errors, new FormErrors())
            .Add(c => c.TestId, "new-sweep")
            .Add(c => c.Available, false));
        var hint = fields.Find("[data-testid=new-sweep-homology-missing]").TextContent;
        Assert.Contains("apt-get install mmseqs2", hint);
        Assert.Contains("the folds are drawn at random (stratified by class)", hint);
        Assert.Empty(fields.FindAll("[data-testid=new-sweep-homology]"));
        Assert.Empty(fields.FindAll("[data-testid=new-sweep-cluster-identity]"));
        Assert.NotNull(fields.Find("[data-testid=new-sweep-folds]"));
        // Whatever the fields held, no cluster identity reaches the request without folds.
        Assert.Null(new FoldSettings { Folds = null, Homology = true }.ClusterIdentity);
        Assert.Equal(0.4, new FoldSettings { Folds = 5, Homology = true, Identity = null }.ClusterIdentity);
    }

    [Fact]
    public void Sweep_page_of_a_folds_sweep_lists_each_seed_fold_by_fold()
    {
        var dataset = Server.AddDataset("peptides");
        var service = Server.Services.GetRequiredService<SweepService>();
        var request = new NewSweepRequest { DatasetId = dataset.Id, Methods = ["dora", "bidora"], Seeds = [1, 2], Folds = 2, Settings = new() { Steps = 2 } };
        Assert.Empty(service.Validate(request));
        var sweep = service.Create(request);

        Context.Render<MudPopoverProvider>();
        var detail = Context.Render<SweepDetail>(p => p.Add(c => c.Id, sweep.Id));
        var cells = detail.FindAll("[data-testid=sweep-cell]");
        Assert.Equal(["dora/1/1", "bidora/1/1", "dora/1/2", "bidora/1/2", "dora/2/1", "bidora/2/1", "dora/2/2", "bidora/2/2"],
            cells.Select(c => $"{c.GetAttribute("data-method")}/{c.GetAttribute("data-seed")}/{c.GetAttribute("data-fold")}"));
        Assert.Equal(["1 of 2", "2 of 2", "1 of 2", "2 of 2"], detail.FindAll("[data-testid=sweep-fold]").Select(f => f.TextContent.Trim()));
        Assert.Contains("× seeds 1, 2 × 2 folds (stratified) on peptides", detail.Find("[data-testid=sweep-summary]").TextContent);
        // Nothing has completed: no results yet.
        Assert.Empty(detail.FindAll("[data-testid=sweep-results]"));
    }

    [Fact]
    public void Reach_sentences_name_the_lowest_p_the_pairs_can_give_at_the_chosen_level()
    {
        Assert.Equal("5 pairs: a two-sided p cannot go below 0.0625, so p < 0.05 is out of reach (6 non-tied pairs are needed).",
            PairReach.Describe(5, TestAlternative.TwoSided));
        Assert.Equal("5 pairs: a one-sided p can go as low as 0.0312, so p < 0.05 is within reach.".Replace("0.0312", MetricNames.PValue(1 / 32.0)),
            PairReach.Describe(5, TestAlternative.Greater));
        Assert.Equal("6 pairs: a two-sided p cannot go below 0.0312, so p < 0.01 is out of reach (8 non-tied pairs are needed).".Replace("0.0312", MetricNames.PValue(1 / 32.0)),
            PairReach.Describe(6, TestAlternative.TwoSided, 0.01));
        Assert.Equal("15 pairs: a two-sided p can go as low as 6.1e-5, so p < 0.001 is within reach.", PairReach.Describe(15, TestAlternative.TwoSided, 0.001));
        Assert.Equal("1 pair: a two-sided p cannot go below 1, so p < 0.05 is out of reach (6 non-tied pairs are needed).", PairReach.Describe(1, TestAlternative.TwoSided));
    }

    [Fact]
    public void Sentence_of_a_folds_sweep_counts_pairs_of_seed_and_fold_not_seeds()
    {
        var a = new[] { 0.50, 0.61, 0.70, 0.40 };
        var b = new[] { 0.55, 0.64, 0.79, 0.48 };
        var test = new MetricTest("accuracy", true, a, b, 0.0625, WilcoxonSignedRank.Test(b, a)) { Pairs = ["seed 1 fold 1", "seed 1 fold 2", "seed 2 fold 1", "seed 2 fold 2"] };
        Assert.Equal(
            "BiDoRA's accuracy is higher than DoRA's in 4 of 4 pairs (seed, fold); p = 0.125 (exact, two-sided): not significant at 0.05 with so few pairs (4 non-tied pairs cannot give p below 0.125).",
            WilcoxonSentence.Describe(test, "dora", "bidora", TestAlternative.TwoSided));

        var paired = new PairedComparison("dora", "bidora", TestAlternative.TwoSided, [1, 2], [], [test]) { Pairs = test.Pairs };
        var panel = Context.Render<WilcoxonPanel>(p => p.Add(c => c.Paired, paired));
        Assert.Equal("4 pairs: a two-sided p cannot go below 0.125, so p < 0.05 is out of reach (6 non-tied pairs are needed).", panel.Find("[data-testid=wilcoxon-reach]").TextContent.Trim());
        Assert.Contains("pairs by (seed, fold)", panel.Find("[data-testid=wilcoxon-n]").TextContent);
        Assert.Equal(["seed 1 fold 1", "seed 1 fold 2", "seed 2 fold 1", "seed 2 fold 2"], panel.FindAll("[data-testid=wilcoxon-pair] td:first-child").Select(c => c.TextContent));
    }
}
