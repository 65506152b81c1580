using System.Text.Json;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Training;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Checkpoints;

/// <summary>The bundled <c>mini</c>: small, loadable, with its provenance, and better than random on sequences it never saw.</summary>
public sealed class BundledMiniTests
{
    private static string Bundled => Path.Combine(TestPaths.RepoRoot, "wwwroot-assets", "models");

    [Fact]
    public void Mini_is_bundled_small_and_loads_as_its_catalog_entry_says()
    {
        var entry = ModelCatalog.Find(ModelCatalog.MiniName)!;
        Assert.True(entry.IsBundled);
        using var empty = new TempDirectory();
        var folder = ModelResolver.Resolve(ModelCatalog.MiniName, empty.Path, Bundled);
        Assert.Equal(Path.Combine(Bundled, "mini"), folder);
        Assert.InRange(new DirectoryInfo(folder).EnumerateFiles().Sum(f => f.Length), 1, 5_000_000);

        var loaded = EsmModel.FromPretrained(folder);
        using var model = loaded.Model;
        Assert.Empty(loaded.Report.Unexpected);
        Assert.Equal(entry.ParameterCount, model.ParameterCount());
        Assert.Equal(entry.Config, model.Config with { InitializerRange = entry.Config.InitializerRange });

        using var provenance = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, Pretrainer.ProvenanceFile)));
        var root = provenance.RootElement;
        Assert.Equal(["bbp/train.csv", "mic/train.csv", "thermostability/train.csv"], root.GetProperty("sequence_files").EnumerateArray().Select(f => f.GetString()));
        Assert.True(root.GetProperty("perplexity").GetDouble() < root.GetProperty("base_perplexity").GetDouble());
    }

    [Fact]
    public void Mini_predicts_masked_residues_of_unseen_test_sequences_better_than_a_random_model_of_its_size()
    {
        using var scope = NewDisposeScope();
        var loaded = EsmModel.FromPretrained(Path.Combine(Bundled, "mini"));
        using var mini = loaded.Model;
        using var random = EsmModel.Create(mini.Config, seed: 42);
        // The test parts were left out of mini's pretraining.
        var imported = DatasetImporter.Import(Path.Combine(TestPaths.Samples, "mic", "test.csv"));
        var sequences = imported.Dataset!.Records.Take(300).Select(r => new LabeledSequence(r.Id, r.Sequence, double.NaN)).ToList();
        var objective = new MaskedLanguageModeling(mini.Tokenizer);
        var trained = PretrainingSession.Evaluate(mini, sequences, objective, 128, seed: 1, batchSize: 64, CPU);
        var untrained = PretrainingSession.Evaluate(random, sequences, objective, 128, seed: 1, batchSize: 64, CPU);
        Assert.Equal(trained.Positions, untrained.Positions);
        Assert.True(trained.Positions > 500);
        Assert.True(trained.Perplexity < 0.8 * untrained.Perplexity, $"mini {trained.Perplexity:F2} vs random {untrained.Perplexity:F2}");
    }
}
