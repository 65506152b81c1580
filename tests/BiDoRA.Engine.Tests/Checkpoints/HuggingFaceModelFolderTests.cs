using System.Text.Json.Nodes;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Esm;

namespace BiDoRA.Engine.Tests.Checkpoints;

public sealed class HuggingFaceModelFolderTests
{
    private static readonly string FixtureModel = Path.Combine(TestPaths.Fixtures, "esm2-tiny-a", "model");

    private static TempDirectory CopyOfFixture()
    {
        var dir = new TempDirectory();
        foreach (var file in Directory.GetFiles(FixtureModel))
        {
            File.Copy(file, dir.File(Path.GetFileName(file)));
        }
        return dir;
    }

    private static void EditConfig(TempDirectory dir, Action<JsonObject> edit)
    {
        var config = JsonNode.Parse(File.ReadAllText(dir.File("config.json")))!.AsObject();
        edit(config);
        File.WriteAllText(dir.File("config.json"), config.ToJsonString());
    }

    [Fact]
    public void Fixture_folder_reads_every_size_from_config_json()
    {
        using var folder = HuggingFaceModelFolder.Open(FixtureModel);
        var config = folder.Config;
        Assert.Equal((33, 32, 2, 4, 64), (config.VocabSize, config.HiddenSize, config.NumHiddenLayers, config.NumAttentionHeads, config.IntermediateSize));
        Assert.Equal((1e-5, true, 32, 1), (config.LayerNormEps, config.TokenDropout, config.MaskTokenId, config.PadTokenId));
        Assert.Equal(1026, config.MaxPositionEmbeddings);
        Assert.Equal(33, folder.Tokenizer.VocabSize);
        Assert.True(folder.Weights.Contains("esm.embeddings.word_embeddings.weight"));
    }

    [Fact]
    public void Intermediate_size_is_read_not_derived()
    {
        using var dir = CopyOfFixture();
        EditConfig(dir, c => c["intermediate_size"] = 48);
        Assert.Equal(48, EsmConfig.FromFile(dir.File("config.json")).IntermediateSize);
    }

    [Theory]
    [InlineData("config.json", "no config.json")]
    [InlineData("vocab.txt", "no vocab.txt")]
    [InlineData("model.safetensors", "no model.safetensors or model.safetensors.index.json")]
    public void Missing_file_is_named(string file, string problem)
    {
        using var dir = CopyOfFixture();
        File.Delete(dir.File(file));
        var e = Assert.Throws<CheckpointFormatException>(() => HuggingFaceModelFolder.Open(dir.Path));
        Assert.Contains(problem, e.Message);
        Assert.Contains(dir.Path, e.Message);
    }

    [Fact]
    public void Pytorch_bin_only_folder_says_what_to_do()
    {
        using var dir = CopyOfFixture();
        File.Move(dir.File("model.safetensors"), dir.File("pytorch_model.bin"));
        var e = Assert.Throws<CheckpointFormatException>(() => HuggingFaceModelFolder.Open(dir.Path));
        Assert.Contains("safetensors version", e.Message);
    }

    [Theory]
    [InlineData("hidden_size", null, "missing required field 'hidden_size'")]
    [InlineData("hidden_size", "\"wide\"", "field 'hidden_size' must be an integer")]
    [InlineData("num_attention_heads", "5", "not a multiple of num_attention_heads")]
    [InlineData("position_embedding_type", "\"absolute\"", "'absolute' is not supported")]
    [InlineData("hidden_act", "\"relu\"", "'relu' is not supported")]
    [InlineData("model_type", "\"bert\"", "not 'esm'")]
    [InlineData("vocab_size", "34", "lists 33 tokens")]
    [InlineData("mask_token_id", "31", "mask_token_id is 31")]
    [InlineData("emb_layer_norm_before", "true", "ESM-1b")]
    public void Bad_config_is_rejected_naming_file_and_field(string field, string? json, string problem)
    {
        using var dir = CopyOfFixture();
        EditConfig(dir, c =>
        {
            if (json is null)
            {
                c.Remove(field);
            }
            else
            {
                c[field] = JsonNode.Parse(json);
            }
        });
        var e = Assert.Throws<CheckpointFormatException>(() => HuggingFaceModelFolder.Open(dir.Path));
        Assert.Contains(problem, e.Message);
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public void Config_saved_by_the_engine_reads_back_equal()
    {
        using var dir = new TempDirectory();
        var original = EsmConfig.FromFile(Path.Combine(FixtureModel, "config.json"));
        original.Save(dir.File("config.json"));
        Assert.Equal(original, EsmConfig.FromFile(dir.File("config.json")));
    }
}
