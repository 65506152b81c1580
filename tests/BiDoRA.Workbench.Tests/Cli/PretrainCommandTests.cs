using System.Text.Json;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Training;

namespace BiDoRA.Workbench.Tests.Cli;

public sealed class PretrainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bidora-pretrain-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Sequences(params string[] lines)
    {
        var path = Path.Combine(_dir, "sequences.txt");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public async Task From_a_new_model_it_writes_a_loadable_folder_with_its_provenance()
    {
        var input = Sequences([.. Enumerable.Range(0, 20).Select(i => string.Concat(Enumerable.Repeat("ACDEFGHIKL", 1 + i % 3)))]);
        var output = Path.Combine(_dir, "model");
        var (code, stdout, stderr) = await CliRunner.RunAsync("pretrain", "--new-model", "2x16", "--sequences", input, "--out", output,
            "--steps", "3", "--batch-size", "4", "--eval-every", "2", "--device", "cpu", "--seed", "5");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("completed", json.RootElement.GetProperty("outcome").GetString());
        var heldOut = json.RootElement.GetProperty("heldOut");
        Assert.True(heldOut.GetProperty("perplexity").GetDouble() > 1);
        Assert.True(heldOut.GetProperty("tokens_per_second").GetDouble() > 0);
        Assert.Contains("perplexity", stderr);

        var loaded = EsmModel.FromPretrained(output);
        using var model = loaded.Model;
        Assert.Equal((2, 16), (model.Config.NumHiddenLayers, model.Config.HiddenSize));
        using var provenance = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, Pretrainer.ProvenanceFile)));
        Assert.StartsWith("bidora pretrain --new-model 2x16", provenance.RootElement.GetProperty("command").GetString(), StringComparison.Ordinal);
        Assert.Equal(5, provenance.RootElement.GetProperty("seed").GetInt32());
        Assert.Equal(3, provenance.RootElement.GetProperty("steps").GetInt32());
    }

    [Fact]
    public async Task Base_model_choices_and_bad_sequences_get_clear_errors()
    {
        var input = Sequences("ACDEFGHIK", "KLMNPQRST");
        var (code, _, stderr) = await CliRunner.RunAsync("pretrain", "--model", "tiny", "--new-model", "2x16", "--sequences", input, "--out", Path.Combine(_dir, "a"));
        Assert.NotEqual(0, code);
        Assert.Contains("exactly one of --model and --new-model", stderr);

        var bad = Sequences("ACDEFGHIK", "KLM NPQ", "KLMN1PQ");
        (code, _, stderr) = await CliRunner.RunAsync("pretrain", "--model", Path.Combine(ModelCatalog.BundledModelsDirectory, "tiny"), "--sequences", bad,
            "--out", Path.Combine(_dir, "b"), "--steps", "1", "--device", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("sequences.txt, row 3, sequence (position 5): '1' is not an amino-acid letter", stderr);
    }
}
