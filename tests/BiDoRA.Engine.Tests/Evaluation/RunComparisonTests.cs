using System.Globalization;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Tests.Training;
using BiDoRA.Engine.Training;

namespace BiDoRA.Engine.Tests.Evaluation;

/// <summary>Comparison of run folders whose metrics are known, and the sweep plan.</summary>
public sealed class RunComparisonTests
{
    private static ComparedRun WriteRun(string root, AdapterMethod method, int seed, double? accuracy, double mcc = 0.5, bool completed = true, long paper = 1000, double seconds = 10)
    {
        var dir = Path.Combine(root, SweepPlan.RunName(method, seed));
        Directory.CreateDirectory(dir);
        RunFolder.WriteRecord(dir, new RunRecordFile
        {
            Plan = new RunPlan { DatasetPath = "data.csv", OutputDirectory = dir, Method = method, Seed = seed },
            Task = TaskKind.Binary,
            TrainableParameters = [new ParameterGroup("lora_A+lora_B", paper), new ParameterGroup("head", 50)],
            PaperParameterCount = paper,
            Status = completed ? "completed" : "running",
        });
        if (completed)
        {
            string N(double? v) => v is { } x ? x.ToString("R", CultureInfo.InvariantCulture) : "null";
            File.WriteAllText(Path.Combine(dir, RunFolder.MetricsFile),
                $$"""{"test": {"accuracy": {{N(accuracy)}}, "mcc": {{N(mcc)}}}, "validation_best": {"accuracy": 0.5}, "best_step": 4, "steps": 4, "duration_seconds": {{N(seconds)}}}""");
        }
        return new ComparedRun(SweepPlan.RunName(method, seed), $"{method} {seed}", dir);
    }

    [Fact]
    public void Groups_summarise_and_pairs_are_tested_by_seed()
    {
        var root = TrainingTestData.TempRunFolder();
        double[] dora = [0.70, 0.72, 0.68, 0.75, 0.71];
        double[] bidora = [0.74, 0.73, 0.71, 0.80, 0.77];      // better on every seed
        var runs = new List<ComparedRun>();
        for (var s = 0; s < 5; s++)
        {
            runs.Add(WriteRun(root, AdapterMethod.BiDora, s + 1, bidora[s], paper: 1100, seconds: 40));
            runs.Add(WriteRun(root, AdapterMethod.Dora, s + 1, dora[s], paper: 1100, seconds: 10 + s));
        }
        runs.Add(WriteRun(root, AdapterMethod.Lora, 1, 0.6, paper: 1000));
        runs.Add(WriteRun(root, AdapterMethod.Lora, 2, null, completed: false));

        var result = RunComparison.Compare(runs, new ComparisonOptions { Alternative = TestAlternative.Greater });

        Assert.Equal(TaskKind.Binary, result.Task);
        Assert.Equal("test", result.Split);
        Assert.Equal(["accuracy", "mcc"], result.Metrics);
        Assert.Equal("accuracy", result.PrimaryMetric);
        Assert.Equal(12, result.Runs.Count);
        Assert.Equal(["lora", "dora", "bidora"], result.Groups.Select(g => g.Group));

        var doraGroup = result.Groups[1];
        Assert.Equal(5, doraGroup.Completed);
        Assert.Equal([1, 2, 3, 4, 5], doraGroup.Seeds);
        // Mean 0.712; deviations −0.012, 0.008, −0.032, 0.038, −0.002 → Σ² = 0.00268, sd = √(0.00268/4).
        Assert.Equal(0.712, doraGroup.Metrics["accuracy"].Mean!.Value, 12);
        Assert.Equal(Math.Sqrt(0.00268 / 4), doraGroup.Metrics["accuracy"].StandardDeviation!.Value, 12);
        Assert.Equal(12, doraGroup.DurationSeconds.Mean!.Value, 12);
        Assert.Equal(1100, doraGroup.PaperParameterCount.Mean);
        Assert.Equal(1150, doraGroup.TrainableParameters.Mean);   // adapters + magnitudes + head
        var lora = result.Groups[0];
        Assert.Equal(2, lora.Runs);
        Assert.Equal(1, lora.Completed);
        Assert.Null(lora.Metrics["accuracy"].StandardDeviation);
        Assert.False(result.Runs.Single(r => r.Group == "lora" && r.Seed == 2).Completed);

        // dora and bidora present: they are the default pair. B − A > 0 on all 5 seeds: exact one-sided p = 2⁻⁵.
        var comparison = result.Comparison!;
        Assert.Equal(("dora", "bidora"), (comparison.A, comparison.B));
        Assert.Equal([1, 2, 3, 4, 5], comparison.Seeds);
        Assert.Empty(comparison.UnpairedSeeds);
        var accuracy = comparison.Tests[0];
        Assert.Equal("accuracy", accuracy.Metric);
        Assert.True(accuracy.HigherIsBetter);
        Assert.Equal(dora, accuracy.AValues);
        Assert.Equal(bidora, accuracy.BValues);
        Assert.Equal((0.04 + 0.01 + 0.03 + 0.05 + 0.06) / 5, accuracy.MeanDifference!.Value, 12);
        Assert.Equal(15, accuracy.Result!.WPlus);
        Assert.Equal(1.0 / 32, accuracy.Result.PValue, 15);
        Assert.Equal(1, accuracy.Result.RankBiserial, 12);
        // mcc is 0.5 everywhere: every difference is zero, no evidence.
        var mcc = comparison.Tests[1];
        Assert.Equal(5, mcc.Result!.Zeros);
        Assert.Equal(1, mcc.Result.PValue);
    }

    [Fact]
    public void Unpaired_seeds_are_left_out_and_reported()
    {
        var root = TrainingTestData.TempRunFolder();
        var runs = new List<ComparedRun>
        {
            WriteRun(root, AdapterMethod.Lora, 1, 0.6), WriteRun(root, AdapterMethod.Lora, 2, 0.7), WriteRun(root, AdapterMethod.Lora, 3, 0.65),
            WriteRun(root, AdapterMethod.Dora, 1, 0.7), WriteRun(root, AdapterMethod.Dora, 3, 0.6),
        };
        var result = RunComparison.Compare(runs, new ComparisonOptions { A = "lora", B = "dora" });
        Assert.Equal([1, 3], result.Comparison!.Seeds);
        Assert.Equal([2], result.Comparison.UnpairedSeeds);
        Assert.Contains(result.Warnings, w => w.Contains("Seeds 2", StringComparison.Ordinal));
        Assert.Equal(2, result.Comparison.Tests[0].Result!.Pairs);
    }

    [Fact]
    public void Unknown_groups_and_metrics_name_the_option()
    {
        var root = TrainingTestData.TempRunFolder();
        ComparedRun[] runs = [WriteRun(root, AdapterMethod.Lora, 1, 0.6), WriteRun(root, AdapterMethod.Dora, 1, 0.7)];
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => RunComparison.Compare(runs, new ComparisonOptions { A = "full" })).ParamName);
        Assert.Equal("metric", Assert.Throws<ArgumentException>(() => RunComparison.Compare(runs, new ComparisonOptions { Metric = "auc" })).ParamName);
    }

    [Fact]
    public void A_missing_or_broken_folder_is_a_row_with_its_error_not_a_failure()
    {
        var root = TrainingTestData.TempRunFolder();
        var broken = Path.Combine(root, "broken");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, RunFolder.RunFile), "{ not json");
        var result = RunComparison.Compare([
            WriteRun(root, AdapterMethod.Lora, 1, 0.6),
            new ComparedRun("q", "queued", Path.Combine(root, "nothing-yet"), Status: "queued"),
            new ComparedRun("b", "broken", broken),
        ]);
        Assert.Equal("queued", result.Runs[1].Status);
        Assert.Contains("run.json", result.Runs[2].Error);
        Assert.Contains(result.Warnings, w => w.Contains("run.json", StringComparison.Ordinal));
        Assert.Null(result.Comparison);
    }

    [Fact]
    public void Sweep_plan_runs_every_method_for_every_seed_with_equal_settings()
    {
        var root = TrainingTestData.TempRunFolder();
        var template = new RunPlan { DatasetPath = "/data/bbp.csv", OutputDirectory = root, Steps = 30, Rank = 4, LearningRate = 2e-3 };
        var plan = new SweepPlan
        {
            Template = template, Methods = [AdapterMethod.Lora, AdapterMethod.Dora, AdapterMethod.BiDora], Seeds = SweepPlan.FirstSeeds(5), OutputDirectory = root,
        };
        var runs = plan.Runs();
        Assert.Equal(15, runs.Count);
        Assert.Equal(["lora-seed1", "dora-seed1", "bidora-seed1", "lora-seed2"], runs.Take(4).Select(r => r.Name));
        Assert.Equal(15, runs.Select(r => r.Plan.OutputDirectory).Distinct().Count());
        Assert.All(runs, r =>
        {
            Assert.Equal(template with { Method = r.Method, Seed = r.Seed, OutputDirectory = r.Plan.OutputDirectory }, r.Plan);
            Assert.Equal(Path.Combine(root, r.Name), r.Plan.OutputDirectory);
        });

        plan.Write();
        var read = SweepPlan.Read(root);
        Assert.Equal(plan.Methods, read.Methods);
        Assert.Equal(plan.Seeds, read.Seeds);
        Assert.Equal(runs.Select(r => r.Plan.OutputDirectory), read.Runs().Select(r => r.Plan.OutputDirectory));

        Assert.Contains("methods", SweepPlan.Validate([AdapterMethod.Lora, AdapterMethod.Lora], [1]).Keys);
        Assert.Contains("seeds", SweepPlan.Validate([AdapterMethod.Lora], [1, 1]).Keys);
        Assert.Contains("seeds", SweepPlan.Validate([AdapterMethod.Lora], []).Keys);
        Assert.Empty(SweepPlan.Validate([AdapterMethod.Lora, AdapterMethod.Dora], [1, 2]));
    }
}
