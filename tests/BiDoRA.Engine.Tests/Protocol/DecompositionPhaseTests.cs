using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Tests.Training;
using BiDoRA.Engine.Training;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Protocol;

/// <summary>k per matrix kind and per phase on constructed weights whose ΔM and ΔD are set exactly.</summary>
public sealed class DecompositionPhaseTests
{
    [Fact]
    public void Headline_k_is_the_query_matrices_of_the_search_and_each_phase_is_fitted_alone()
    {
        var dir = TrainingTestData.TempRunFolder();
        var model = Path.Combine(dir, "base");
        Directory.CreateDirectory(model);
        File.WriteAllText(Path.Combine(model, HuggingFaceModelFolder.ConfigFileName), "{}");
        string Module(int layer, string kind) => $"encoder.layer.{layer}.attention.self.{kind}";
        var names = new[] { "query", "value" }.SelectMany(k => Enumerable.Range(0, 2).Select(l => Module(l, k))).ToList();
        SafetensorsWriter.Write(Path.Combine(model, HuggingFaceModelFolder.WeightsFileName), names.ToDictionary(n => "esm." + n + ".weight", _ => eye(2, dtype: ScalarType.Float32)));
        RunFolder.WriteRecord(dir, new RunRecordFile
        {
            Plan = new RunPlan { DatasetPath = "unused.csv", OutputDirectory = dir, Method = AdapterMethod.BiDora, Rank = 1, Alpha = 1, Steps = 20, RetrainSteps = 20 },
            ModelFolder = model,
        });
        // ΔM = c − k·ΔD exactly, with k and c chosen per (phase, kind): search query −8, search value −2, retrain query +1.
        var slopes = new Dictionary<(string Phase, string Kind), (double K, double C)>
        {
            [("search", "query")] = (-8, 0.5), [("search", "value")] = (-2, 0.3),
            [("retrain", "query")] = (1, 0.1), [("retrain", "value")] = (3, 0.2),
        };
        var turns = new[] { 0.05, 0.1, 0.2 };
        foreach (var (phase, baseStep) in new[] { ("search", 0), ("retrain", 20) })
        {
            for (var s = 0; s < turns.Length; s++)
            {
                var tensors = new Dictionary<string, Tensor>();
                foreach (var kind in new[] { "query", "value" })
                {
                    for (var layer = 0; layer < 2; layer++)
                    {
                        var t = turns[s] * (layer + 1);
                        var deltaD = (1 - 1 / Math.Sqrt(1 + t * t)) / 2;
                        var (k, c) = slopes[(phase, kind)];
                        var deltaM = c + k * deltaD;
                        var name = Module(layer, kind);
                        tensors[name + WeightDecomposition.LoraASuffix] = tensor(new float[] { 1, 0 }, [1, 2]);
                        tensors[name + WeightDecomposition.LoraBSuffix] = tensor(new float[] { 0, (float)t }, [2, 1]);
                        tensors[name + WeightDecomposition.MagnitudeSuffix] = tensor(new[] { 1 + 2 * deltaM, 1.0 }).to(ScalarType.Float64);
                    }
                }
                SafetensorsWriter.Write(WeightDecomposition.SnapshotPath(dir, baseStep + 5 * (s + 1)), tensors,
                    new Dictionary<string, string> { ["scaling"] = "1", ["phase"] = phase });
            }
        }

        var result = WeightDecomposition.Analyze(dir);
        Assert.All(result.Points, p => Assert.Equal(p.Step > 20 ? "retrain" : "search", p.Phase));
        foreach (var ((phase, kind), (k, c)) in slopes)
        {
            var fit = Assert.Single(result.Fits, f => f.Phase == phase && f.Scope == $"attention.self.{kind}");
            Assert.Equal(6, fit.Count);
            Assert.Equal(k, fit.Slope, 4);
            Assert.Equal(c, fit.Intercept, 5);
        }
        Assert.Equal(("attention.self.query", "search"), (result.Headline.Scope, result.Headline.Phase));
        Assert.Equal(-8, result.Headline.Slope, 4);
        // The pooled fits (all kinds, all phases) stay available.
        Assert.Contains(result.Fits, f => f.Phase is null && f.Scope == WeightDecompositionFit.All && f.Count == 24);
        Assert.Contains(result.Fits, f => f.Phase == "search" && f.Scope == WeightDecompositionFit.All && f.Count == 12);
    }
}
