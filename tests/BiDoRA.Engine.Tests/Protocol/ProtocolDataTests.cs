using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Tests.Training;
using BiDoRA.Engine.Training;

namespace BiDoRA.Engine.Tests.Protocol;

/// <summary>Which rows each method trains and selects on, fold assignment, and the method defaults of issue 13.</summary>
public sealed class ProtocolDataTests
{
    private static RunPlan Plan(AdapterMethod method, SelectionRule select = SelectionRule.Best) =>
        TrainingTestData.Bbp(method, TrainingTestData.TempRunFolder()) with { Select = select };

    private static HashSet<string> Ids(IEnumerable<LabeledSequence> rows) => rows.Select(r => r.Id).ToHashSet();

    [Fact]
    public void Every_method_trains_on_the_same_rows_and_selects_on_rows_none_trains_on()
    {
        var data = Enum.GetValues<AdapterMethod>().ToDictionary(m => m, m => TrainingDataLoader.Load(Plan(m), CancellationToken.None));
        var bidora = data[AdapterMethod.BiDora];
        var (train, validation, selection, test) = (Ids(bidora.Train), Ids(bidora.Validation), Ids(bidora.Selection), Ids(bidora.Test));
        Assert.NotEmpty(selection);
        Assert.Empty(train.Intersect(validation));
        Assert.Empty(selection.Intersect(train.Union(validation)));
        Assert.Empty(test.Intersect(train.Union(validation).Union(selection)));

        foreach (var (method, d) in data)
        {
            // Equal across methods: the same split for the same seed.
            Assert.Equal(train, Ids(d.Train));
            Assert.Equal(validation, Ids(d.Validation));
            Assert.Equal(selection, Ids(d.Selection));
            Assert.Equal(test, Ids(d.Test));
            var phases = method == AdapterMethod.BiDora ? new[] { TrainingPhase.Search, TrainingPhase.Retrain } : [TrainingPhase.Train];
            foreach (var phase in phases)
            {
                var rows = Ids(d.RowsFor(phase));
                Assert.Empty(rows.Intersect(selection));
                Assert.Empty(rows.Intersect(test));
                // Search: the direction on D_tr only (the magnitudes take D_val); everything else on D_tr ∪ D_val.
                Assert.Equal(phase == TrainingPhase.Search ? train : train.Union(validation).ToHashSet(), rows);
            }
        }
        // The single-level baselines see exactly the rows BiDoRA's two levels see between them.
        Assert.Equal(Ids(bidora.Train).Union(Ids(bidora.Validation)).Order(), Ids(data[AdapterMethod.Dora].RowsFor(TrainingPhase.Train)).Order());
    }

    [Fact]
    public void Last_step_selection_carves_no_selection_split()
    {
        var last = TrainingDataLoader.Load(Plan(AdapterMethod.Dora, SelectionRule.Last), CancellationToken.None);
        var best = TrainingDataLoader.Load(Plan(AdapterMethod.Dora, SelectionRule.Best), CancellationToken.None);
        Assert.Empty(last.Selection);
        Assert.Equal(last.AllTraining.Count, best.AllTraining.Count + best.Selection.Count);
        Assert.Equal(Math.Round(0.1 * last.AllTraining.Count), best.Selection.Count, 0);
    }

    [Fact]
    public void Defaults_follow_the_method()
    {
        var plan = new RunPlan { DatasetPath = "x.csv", OutputDirectory = "out" };
        Assert.Equal(SelectionRule.Last, plan.Select);
        Assert.Null(plan.RetrainSteps);                 // BiDoRA retrains, as long as it searched
        Assert.Null(plan.RetrainLearningRate);          // own settings, falling back to the main ones
        Assert.Null(plan.RetrainWeightDecay);
        Assert.True((plan with { Method = AdapterMethod.Dora }).DetachesNorm);      // PEFT's DoRA
        Assert.False((plan with { Method = AdapterMethod.BiDora }).DetachesNorm);   // BiDoRA's reference code
        Assert.True((plan with { Method = AdapterMethod.BiDora, DetachNorm = true }).DetachesNorm);
        Assert.True((plan with { Method = AdapterMethod.Dora }).ToAdapterOptions().DetachNorm);
        Assert.Null(typeof(RunPlan).GetProperty("Bf16"));                          // read nowhere, so removed
        Assert.Equal("accuracy", Engine.Evaluation.MetricCatalog.Headline(TaskKind.Binary));
    }

    [Fact]
    public void Unrolled_xi_is_the_current_lower_learning_rate()
    {
        Engine.Runtime.TorchRuntime.EnsureInitialised();
        var plan = Plan(AdapterMethod.BiDora, SelectionRule.Last) with { Hypergradient = HypergradientMode.Unrolled };
        using var session = TrainingSession.Create(plan, TrainingDataLoader.Load(plan, CancellationToken.None));
        Assert.Equal(2.5e-3, session.HypergradientSettingsFor(2.5e-3).Xi);
        using var fd = TrainingSession.Create(plan with { Hypergradient = HypergradientMode.FiniteDifference }, TrainingDataLoader.Load(plan, CancellationToken.None));
        Assert.Equal(1.0, fd.HypergradientSettingsFor(2.5e-3).Xi);      // Betty's darts, the reference implementation
    }

    [Fact]
    public void Folds_are_stratified_seeded_and_test_every_row_once()
    {
        var records = Enumerable.Range(0, 53).Select(i => new SequenceRecord($"r{i}", "ACDEFGHIK"[..(1 + i % 9)], i % 3 == 0 ? 1 : 0, "", DatasetSplit.Train)).ToList();
        var folds = CrossValidationFolds.Assign(records, 5, seed: 11, stratify: true);
        Assert.Equal(folds, CrossValidationFolds.Assign(records, 5, seed: 11, stratify: true));
        Assert.NotEqual(folds, CrossValidationFolds.Assign(records, 5, seed: 12, stratify: true));
        Assert.All(folds, f => Assert.InRange(f, 0, 4));
        var sizes = Enumerable.Range(0, 5).Select(f => folds.Count(x => x == f)).ToList();
        Assert.True(sizes.Max() - sizes.Min() <= 1, string.Join(",", sizes));
        foreach (var label in new[] { 0.0, 1.0 })
        {
            var perFold = Enumerable.Range(0, 5).Select(f => records.Where((r, i) => r.Label == label && folds[i] == f).Count()).ToList();
            Assert.True(perFold.Max() - perFold.Min() <= 1, $"class {label}: {string.Join(",", perFold)}");
        }
        var tested = new List<string>();
        for (var f = 0; f < 5; f++)
        {
            var (train, test) = CrossValidationFolds.Split(records, folds, f);
            Assert.Empty(train.Select(r => r.Id).Intersect(test.Select(r => r.Id)));
            Assert.Equal(records.Count, train.Count + test.Count);
            tested.AddRange(test.Select(r => r.Id));
        }
        Assert.Equal(records.Select(r => r.Id).Order(), tested.Order());
    }

    [Fact]
    public void A_plan_with_folds_tests_on_its_fold()
    {
        var plan = Plan(AdapterMethod.Lora, SelectionRule.Last) with { TestDatasetPath = null, Folds = 4 };
        var seen = new List<string>();
        for (var fold = 1; fold <= 4; fold++)
        {
            var data = TrainingDataLoader.Load(plan with { Fold = fold }, CancellationToken.None);
            Assert.Empty(Ids(data.Test).Intersect(Ids(data.AllTraining)));
            seen.AddRange(data.Test.Select(r => r.Id));
        }
        Assert.Equal(198, seen.Count);                  // BBP's training file, each row tested once
        Assert.Equal(198, seen.Distinct().Count());
        Assert.Throws<ArgumentException>(() => TrainingDataLoader.Load(plan with { Fold = 5 }, CancellationToken.None));
    }

    [Fact]
    public void Sweeps_with_folds_pair_methods_by_seed_and_fold()
    {
        var sweep = new SweepPlan { Template = Plan(AdapterMethod.Dora), Methods = [AdapterMethod.Dora, AdapterMethod.BiDora], Seeds = [1, 2], Folds = 3, OutputDirectory = "s" };
        var runs = sweep.Runs();
        Assert.Equal(12, runs.Count);
        Assert.Equal("dora-seed1-fold1", runs[0].Name);
        Assert.Equal(("bidora-seed2-fold3", 3, 3), (runs[^1].Name, runs[^1].Plan.Fold, runs[^1].Plan.Folds));
        Assert.Contains("folds", SweepPlan.Validate([AdapterMethod.Dora], [1], folds: 1).Keys);
    }
}
