using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Esm;

namespace BiDoRA.Engine.Tests.Checkpoints;

public sealed class ModelCatalogTests
{
    private static string Bundled => Path.Combine(TestPaths.RepoRoot, "wwwroot-assets", "models");

    [Theory]
    [InlineData("esm2_t6_8M_UR50D", 6, 320, 20, 1280, 7.5e6)]
    [InlineData("esm2_t12_35M_UR50D", 12, 480, 20, 1920, 35e6)]
    [InlineData("esm2_t30_150M_UR50D", 30, 640, 20, 2560, 150e6)]
    [InlineData("esm2_t33_650M_UR50D", 33, 1280, 20, 5120, 650e6)]
    [InlineData("esm2_t36_3B_UR50D", 36, 2560, 40, 10240, 3e9)]
    public void Released_models_have_their_real_configs_and_sizes(string name, int layers, int hidden, int heads, int intermediate, double nominal)
    {
        var entry = ModelCatalog.Find(name)!;
        Assert.Equal((layers, hidden, heads, intermediate), (entry.Config.NumHiddenLayers, entry.Config.HiddenSize, entry.Config.NumAttentionHeads, entry.Config.IntermediateSize));
        Assert.Equal((33, 1026, "rotary", true, 1e-5), (entry.Config.VocabSize, entry.Config.MaxPositionEmbeddings, entry.Config.PositionEmbeddingType, entry.Config.TokenDropout, entry.Config.LayerNormEps));
        Assert.Equal("facebook/" + name, entry.HubId);
        Assert.False(entry.IsBundled);
        // The names round the counts (33.5M is "35M", 2.84B is "3B").
        Assert.InRange(entry.ParameterCount, nominal * 0.9, nominal * 1.02);
        Assert.InRange(entry.DownloadBytes, 4.0 * entry.ParameterCount, 4.0 * entry.ParameterCount * 1.06);
        entry.Config.Validate();
    }

    [Fact]
    public void Parameter_counts_are_exact_for_known_checkpoints()
    {
        // Parameters of EsmForMaskedLM without contact head and unused position table, tied decoder once.
        Assert.Equal(7_512_353, ModelCatalog.Find("esm2_t6_8M_UR50D")!.ParameterCount);
        Assert.Equal(651_042_593, ModelCatalog.Find("esm2_t33_650M_UR50D")!.ParameterCount);
        Assert.Equal(2_839_004_193, ModelCatalog.Find("esm2_t36_3B_UR50D")!.ParameterCount);
        // The 8M checkpoint's model.safetensors is 31.4 MB.
        Assert.InRange(ModelCatalog.Find("esm2_t6_8M_UR50D")!.DownloadBytes, 31.3e6, 31.5e6);
    }

    [Fact]
    public void The_8M_model_builds_with_the_counted_parameters()
    {
        var entry = ModelCatalog.Find("esm2_t6_8M_UR50D")!;
        using var model = EsmModel.Create(entry.Config, seed: 1);
        Assert.Equal(entry.ParameterCount, model.ParameterCount());
        using var batch = model.Tokenizer.EncodeBatch(["MKTAYIAKQRQISFVKSHFSRQ"]);
        using var logits = model.forward(batch.InputIds, batch.AttentionMask);
        Assert.Equal(new long[] { 1, 24, 33 }, logits.shape);
    }

    [Fact]
    public void Tiny_is_bundled_as_the_fixture_checkpoint()
    {
        var entry = ModelCatalog.Find("tiny")!;
        Assert.True(entry.IsBundled);
        var folder = Path.Combine(Bundled, "tiny");
        foreach (var file in new[] { "config.json", "vocab.txt", "model.safetensors" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(TestPaths.Fixtures, "esm2-tiny-a", "model", file)), File.ReadAllBytes(Path.Combine(folder, file)));
        }
        Assert.Equal(entry.Config, EsmConfig.FromFile(Path.Combine(folder, "config.json")) with { InitializerRange = entry.Config.InitializerRange });
    }

    [Fact]
    public void Resolver_takes_folders_as_they_are()
    {
        var fixture = Path.Combine(TestPaths.Fixtures, "esm2-tiny-a", "model");
        Assert.Equal(Path.GetFullPath(fixture), ModelResolver.Resolve(fixture, "/nonexistent"));
        var e = Assert.Throws<ArgumentException>(() => ModelResolver.Resolve(TestPaths.Fixtures, "/nonexistent"));
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public void Resolver_finds_tiny_bundled_and_prefers_a_downloaded_copy()
    {
        using var models = new TempDirectory();
        Assert.Equal(Path.Combine(Bundled, "tiny"), ModelResolver.Resolve("tiny", models.Path, Bundled));
        var local = Directory.CreateDirectory(models.File("tiny")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(Bundled, "tiny")))
        {
            File.Copy(file, Path.Combine(local, Path.GetFileName(file)));
        }
        Assert.Equal(local, ModelResolver.Resolve("tiny", models.Path, Bundled));
    }

    [Fact]
    public void Resolver_says_how_to_get_a_model_not_downloaded()
    {
        using var models = new TempDirectory();
        var e = Assert.Throws<ArgumentException>(() => ModelResolver.Resolve("esm2_t33_650M_UR50D", models.Path, Bundled));
        Assert.Contains("not downloaded", e.Message);
        Assert.Contains("facebook/esm2_t33_650M_UR50D", e.Message);
        Assert.Contains(models.Path, e.Message);
        var unknown = Assert.Throws<ArgumentException>(() => ModelResolver.Resolve("esm3", models.Path, Bundled));
        Assert.Contains("esm2_t6_8M_UR50D", unknown.Message);
    }
}
