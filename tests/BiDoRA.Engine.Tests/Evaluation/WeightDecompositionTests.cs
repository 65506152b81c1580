using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Tests.Training;
using BiDoRA.Engine.Training;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Evaluation;

/// <summary>ΔM, ΔD and the slope k on constructed weights whose values are known, and on a real tiny-model run.</summary>
public sealed class WeightDecompositionTests
{
    // W0 rows (3, 4) and (1, 0): norms 5 and 1. With s·B·A = [[0, 0], [0, 2]] the direction is V = [[3, 4], [1, 2]]:
    // row 0 keeps its direction, row 1 turns to (1, 2), cos = 1/√5.
    private static Tensor W0() => tensor(new double[] { 3, 4, 1, 0 }, [2, 2]);
    private static Tensor A() => tensor(new double[] { 0, 1 }, [1, 2]);
    private static Tensor B() => tensor(new double[] { 0, 1 }, [2, 1]);
    private static readonly double ExpectedDeltaD = (0 + (1 - 1 / Math.Sqrt(5))) / 2;

    [Fact]
    public void Dora_uses_the_learned_magnitude()
    {
        using var m = tensor(new double[] { 6, 1.5 });
        using var w0 = W0(); using var a = A(); using var b = B();
        var change = WeightDecomposition.MeasureDora(w0, a, b, m, scaling: 2);
        Assert.Equal((1 + 0.5) / 2, change.DeltaM, 12);          // |6 − 5|, |1.5 − 1|
        Assert.Equal(ExpectedDeltaD, change.DeltaD, 12);
    }

    [Fact]
    public void Lora_takes_the_row_norms_of_the_merged_weight()
    {
        using var w0 = W0(); using var a = A(); using var b = B();
        var change = WeightDecomposition.MeasureLora(w0, a, b, scaling: 2);
        Assert.Equal((0 + (Math.Sqrt(5) - 1)) / 2, change.DeltaM, 12);   // ‖(3,4)‖ = 5 unchanged, ‖(1,2)‖ = √5
        Assert.Equal(ExpectedDeltaD, change.DeltaD, 12);
    }

    [Fact]
    public void Full_fine_tuning_measures_the_updated_weight()
    {
        using var w0 = W0();
        using var w = tensor(new double[] { -3, -4, 0, 2 }, [2, 2]);   // row 0 reversed (1 − cos = 2), row 1 turned by 90° (1)
        var change = WeightDecomposition.MeasureFull(w0, w);
        Assert.Equal((0 + 1) / 2.0, change.DeltaM, 12);
        Assert.Equal((2 + 1) / 2.0, change.DeltaD, 12);
    }

    [Fact]
    public void Row_statistics_give_the_same_change_as_the_matrix()
    {
        using var w0 = W0();
        using var w = tensor(new double[] { -3, -4, 0, 2 }, [2, 2]);
        var (norm, change) = WeightDecomposition.RowStatistics(w0, w);
        using (norm)
        using (change)
        {
            Assert.Equal([5.0, 2.0], norm.data<double>().ToArray());
            Assert.Equal([2.0, 1.0], change.data<double>().ToArray());
            Assert.Equal(WeightDecomposition.MeasureFull(w0, w), WeightDecomposition.MeasureRows(w0, norm, change));
        }
    }

    [Fact]
    public void Tiny_angles_keep_their_digits()
    {
        // 1 − cos θ ≈ θ²/2 = 5e-13 for θ = 1e-6: 1 − (a·b)/(|a||b|) in float64 would keep only a few digits of it.
        using var w0 = tensor(new double[] { 1, 0 }, [1, 2]);
        using var w = tensor(new double[] { Math.Cos(1e-6), Math.Sin(1e-6) }, [1, 2]);
        var change = WeightDecomposition.MeasureFull(w0, w);
        Assert.InRange(Math.Abs(change.DeltaD / 5e-13 - 1), 0, 1e-6);
    }

    [Fact]
    public void Mismatched_shapes_are_refused()
    {
        using var w0 = W0();
        using var m = tensor(new double[] { 1, 2, 3 });
        var e = Assert.Throws<ArgumentException>(() => WeightDecomposition.Measure(w0, m, w0));
        Assert.Contains("3", e.Message);
    }

    [Fact]
    public void Run_analysis_recovers_a_constructed_slope()
    {
        // Two query matrices (layers 0 and 1), three snapshots. Each point's ΔD comes from turning row 1 of W0 = I by
        // s·B·A = [[0, 0], [t, 0]]; its magnitude is set so that ΔM = 0.5 − 3·ΔD exactly: k = −3, c = 0.5, r = −1.
        var dir = TrainingTestData.TempRunFolder();
        var model = Path.Combine(dir, "base");
        Directory.CreateDirectory(model);
        File.WriteAllText(Path.Combine(model, HuggingFaceModelFolder.ConfigFileName), "{}");
        string Module(int layer) => $"encoder.layer.{layer}.attention.self.query";
        SafetensorsWriter.Write(Path.Combine(model, HuggingFaceModelFolder.WeightsFileName), Enumerable.Range(0, 2).ToDictionary(
            l => "esm." + Module(l) + ".weight", _ => eye(2, dtype: ScalarType.Float32)));
        RunFolder.WriteRecord(dir, new RunRecordFile
        {
            Plan = new RunPlan { DatasetPath = "unused.csv", OutputDirectory = dir, Method = AdapterMethod.Dora, Rank = 1, Alpha = 1 },
            ModelFolder = model,
        });

        var expected = new List<(int Layer, int Step, double DeltaM, double DeltaD)>();
        var turns = new[,] { { 0.05, 0.1, 0.2 }, { 0.15, 0.25, 0.3 } };
        foreach (var (step, s) in new[] { (10, 0), (20, 1), (30, 2) })
        {
            var tensors = new Dictionary<string, Tensor>();
            for (var layer = 0; layer < 2; layer++)
            {
                var t = turns[layer, s];
                var deltaD = (1 - 1 / Math.Sqrt(1 + t * t)) / 2;
                var deltaM = 0.5 - 3 * deltaD;
                expected.Add((layer, step, deltaM, deltaD));
                tensors[Module(layer) + WeightDecomposition.LoraASuffix] = tensor(new float[] { 1, 0 }, [1, 2]);
                tensors[Module(layer) + WeightDecomposition.LoraBSuffix] = tensor(new float[] { 0, (float)t }, [2, 1]);
                tensors[Module(layer) + WeightDecomposition.MagnitudeSuffix] = tensor(new[] { 1 + 2 * deltaM, 1.0 }).to(ScalarType.Float64);
            }
            SafetensorsWriter.Write(WeightDecomposition.SnapshotPath(dir, step), tensors, new Dictionary<string, string> { ["scaling"] = "1" });
        }

        var result = WeightDecomposition.Analyze(dir);
        Assert.Equal([10, 20, 30], result.Steps);
        Assert.Equal([Module(0), Module(1)], result.Modules);
        Assert.Equal(6, result.Points.Count);
        foreach (var (layer, step, deltaM, deltaD) in expected)
        {
            var point = Assert.Single(result.Points, p => p.Layer == layer && p.Step == step);
            Assert.Equal("attention.self.query", point.Kind);
            // B was stored as float32; ΔD follows t rounded to float32.
            Assert.Equal(deltaD, point.DeltaD, 7);
            Assert.Equal(deltaM, point.DeltaM, 7);
        }
        Assert.Equal(-3, result.Overall.Slope, 5);
        Assert.Equal(0.5, result.Overall.Intercept, 6);
        Assert.Equal(-1, result.Overall.Correlation, 9);
        var query = Assert.Single(result.Fits, f => f.Scope == "attention.self.query" && f.Phase is null);
        Assert.Equal(6, query.Count);

        // The cache answers while the snapshots are unchanged, and a changed snapshot is analysed afresh.
        Assert.True(File.Exists(Path.Combine(dir, WeightDecomposition.Folder, WeightDecomposition.CacheFile)));
        Assert.Equal(result.Points, WeightDecomposition.Analyze(dir).Points);
        File.Delete(WeightDecomposition.SnapshotPath(dir, 30));
        Assert.Equal(4, WeightDecomposition.Analyze(dir).Points.Count);
    }

    [Fact]
    public void Missing_base_weights_name_the_module()
    {
        var dir = TrainingTestData.TempRunFolder();
        var model = Path.Combine(dir, "base");
        Directory.CreateDirectory(model);
        File.WriteAllText(Path.Combine(model, HuggingFaceModelFolder.ConfigFileName), "{}");
        SafetensorsWriter.Write(Path.Combine(model, HuggingFaceModelFolder.WeightsFileName), new Dictionary<string, Tensor> { ["esm.other.weight"] = eye(2) });
        RunFolder.WriteRecord(dir, new RunRecordFile
        {
            Plan = new RunPlan { DatasetPath = "unused.csv", OutputDirectory = dir, Method = AdapterMethod.Lora, Rank = 1, Alpha = 1 },
            ModelFolder = model,
        });
        SafetensorsWriter.Write(WeightDecomposition.SnapshotPath(dir, 5), new Dictionary<string, Tensor>
        {
            ["encoder.layer.0.attention.self.value.lora_A.weight"] = ones(1, 2),
            ["encoder.layer.0.attention.self.value.lora_B.weight"] = ones(2, 1),
        });
        var e = Assert.Throws<InvalidDataException>(() => WeightDecomposition.Analyze(dir));
        Assert.Contains("encoder.layer.0.attention.self.value", e.Message);
    }

    [Theory]
    [InlineData(AdapterMethod.BiDora)]
    [InlineData(AdapterMethod.Full)]
    public async Task Real_run_gives_one_point_per_adapted_matrix_per_snapshot(AdapterMethod method)
    {
        var dir = TrainingTestData.TempRunFolder();
        // A slice of BBP (both classes) keeps the evaluations, and so the test, short.
        var lines = File.ReadAllLines(TrainingTestData.Bbp(method, dir).DatasetPath);
        var train = Path.Combine(dir, "train.csv");
        File.WriteAllLines(train, [lines[0], .. lines.Skip(1).Take(20), .. lines.TakeLast(20)]);
        var test = Path.Combine(dir, "test.csv");
        File.WriteAllLines(test, [lines[0], .. lines.Skip(21).Take(4), .. lines.SkipLast(20).TakeLast(4)]);
        var plan = TrainingTestData.Bbp(method, Path.Combine(dir, "run")) with { DatasetPath = train, TestDatasetPath = test };
        dir = plan.OutputDirectory;
        var result = await new Trainer().RunAsync(plan);
        Assert.True(result.Outcome == RunOutcome.Completed, result.Error);

        var analysis = WeightDecomposition.Analyze(dir);
        // Evaluated every 2 of 4 steps; BiDoRA retrains by default for as many steps as it searched.
        int[] steps = method == AdapterMethod.BiDora ? [2, 4, 6, 8] : [2, 4];
        Assert.Equal(steps, analysis.Steps);
        var expectedModules = method == AdapterMethod.Full
            ? analysis.Modules
            : RunFolder.ReadRecord(dir).AdaptedModules;
        Assert.Equal(expectedModules, analysis.Modules);
        Assert.NotEmpty(analysis.Modules);
        Assert.All(analysis.Modules, m => Assert.Matches(@"\.(query|value)$", m));
        Assert.Equal(analysis.Modules.Count * steps.Length, analysis.Points.Count);
        Assert.All(analysis.Points, p =>
        {
            Assert.True(double.IsFinite(p.DeltaM) && p.DeltaM > 0, $"{p.Module}@{p.Step}: ΔM {p.DeltaM}");
            Assert.True(double.IsFinite(p.DeltaD) && p.DeltaD > 0, $"{p.Module}@{p.Step}: ΔD {p.DeltaD}");
        });
        Assert.True(double.IsFinite(analysis.Overall.Slope));

        // Snapshots hold only the adapted matrices, never the whole model.
        using var snapshot = SafetensorsFile.Open(WeightDecomposition.Snapshots(dir)[0].Path);
        var allowed = method == AdapterMethod.Full
            ? [WeightDecomposition.RowNormSuffix, WeightDecomposition.DirectionChangeSuffix]
            : new[] { ".lora_A.weight", ".lora_B.weight", ".lora_magnitude_vector" };
        Assert.All(snapshot.Names, n => Assert.Contains(allowed, s => n.EndsWith(s, StringComparison.Ordinal)));
        Assert.Equal(analysis.Modules.Count * (method switch { AdapterMethod.Full => 2, AdapterMethod.Lora => 2, _ => 3 }), snapshot.Names.Count);
        if (method == AdapterMethod.Full)
        {
            // Vectors of one value per output row, not matrices.
            Assert.All(snapshot.Names, n => Assert.Single(snapshot.GetInfo(n).Shape));
        }
    }
}
