using System.Reflection;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Tests.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Esm;

public sealed class EsmModelTests
{
    private static readonly string FixtureModel = Path.Combine(TestPaths.Fixtures, "esm2-tiny-a", "model");

    private static readonly EsmConfig Small = new()
    {
        VocabSize = 33, HiddenSize = 24, NumHiddenLayers = 3, NumAttentionHeads = 3, IntermediateSize = 40,
    };

    private static readonly string[] Sequences = ["MKTAYIAK<mask>RQISFVK", "GIGKFL", "W"];

    /// <summary>Writes a copy of the fixture checkpoint with some tensors left out or added.</summary>
    private static TempDirectory EditedFixture(Func<string, bool> keep, params (string Name, Tensor Value)[] extra)
    {
        var dir = new TempDirectory();
        File.Copy(Path.Combine(FixtureModel, "config.json"), dir.File("config.json"));
        File.Copy(Path.Combine(FixtureModel, "vocab.txt"), dir.File("vocab.txt"));
        using var source = SafetensorsFile.Open(Path.Combine(FixtureModel, "model.safetensors"));
        var tensors = source.Names.Where(keep).Select(n => new KeyValuePair<string, Tensor>(n, source.Read(n)))
            .Concat(extra.Select(e => new KeyValuePair<string, Tensor>(e.Name, e.Value))).ToList();
        SafetensorsWriter.Write(dir.File("model.safetensors"), tensors);
        return dir;
    }

    private static Tensor Logits(EsmModel model)
    {
        using var batch = model.Tokenizer.EncodeBatch(Sequences);
        using var noGrad = no_grad();
        return model.forward(batch.InputIds, batch.AttentionMask);
    }

    [Fact]
    public void Fixture_load_report_lists_what_was_ignored()
    {
        var (model, report) = EsmModel.FromPretrained(FixtureModel);
        using var _ = model;
        Assert.Equal(model.state_dict().Count, report.Loaded.Count);
        Assert.Empty(report.Defaulted);
        Assert.Empty(report.Unexpected);
        Assert.Empty(report.Warnings);
        Assert.Contains("esm.embeddings.position_ids", report.Ignored);
        Assert.Contains("lm_head.decoder.weight", report.Ignored);
        Assert.Contains(report.Ignored, n => n.StartsWith("esm.contact_head.", StringComparison.Ordinal));
        Assert.False(model.training);
    }

    [Fact]
    public void Missing_required_tensor_is_an_error_naming_it_and_the_file()
    {
        const string missing = "esm.encoder.layer.1.attention.self.key.bias";
        using var dir = EditedFixture(n => n != missing);
        var e = Assert.Throws<CheckpointFormatException>(() => EsmModel.FromPretrained(dir.Path));
        Assert.Contains(missing, e.Message);
        Assert.Contains(dir.File("model.safetensors"), e.Message);
    }

    [Fact]
    public void Unknown_tensor_is_reported_as_unexpected_and_known_extras_are_ignored()
    {
        using var dir = EditedFixture(_ => true, ("esm.pooler.dense.weight", zeros(2, 2)), ("esm.embeddings.position_embeddings.weight", zeros(1026, 32)));
        var (model, report) = EsmModel.FromPretrained(dir.Path);
        using var _ = model;
        Assert.Equal(["esm.pooler.dense.weight"], report.Unexpected);
        Assert.Contains("esm.embeddings.position_embeddings.weight", report.Ignored);
    }

    [Fact]
    public void Shape_mismatch_is_an_error_naming_both_shapes()
    {
        using var dir = EditedFixture(n => n != "lm_head.bias", ("lm_head.bias", zeros(34)));
        var e = Assert.Throws<CheckpointFormatException>(() => EsmModel.FromPretrained(dir.Path));
        Assert.Contains("'lm_head.bias' has shape [34]", e.Message);
        Assert.Contains("needs [33]", e.Message);
    }

    [Fact]
    public void Absent_inv_freq_is_computed_and_gives_the_same_numbers()
    {
        using var dir = EditedFixture(n => !n.EndsWith("inv_freq", StringComparison.Ordinal));
        var (without, report) = EsmModel.FromPretrained(dir.Path, dtype: float64);
        var (with, _) = EsmModel.FromPretrained(FixtureModel, dtype: float64);
        using var _a = without;
        using var _b = with;
        Assert.Equal(with.Config.NumHiddenLayers, report.Defaulted.Count);
        using var a = Logits(without);
        using var b = Logits(with);
        Assert.True(a.eq(b).all().item<bool>());
    }

    [Fact]
    public void Absent_decoder_falls_back_to_the_word_embeddings()
    {
        using var dir = EditedFixture(n => n != "lm_head.decoder.weight");
        var (without, report) = EsmModel.FromPretrained(dir.Path);
        var (with, _) = EsmModel.FromPretrained(FixtureModel);
        using var _a = without;
        using var _b = with;
        Assert.Empty(report.Warnings);
        using var a = Logits(without);
        using var b = Logits(with);
        Assert.True(a.eq(b).all().item<bool>());
    }

    [Fact]
    public void Untied_config_without_decoder_copies_the_embeddings_and_says_so()
    {
        using var dir = EditedFixture(n => n != "lm_head.decoder.weight");
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(dir.File("config.json")))!.AsObject();
        config["tie_word_embeddings"] = false;
        File.WriteAllText(dir.File("config.json"), config.ToJsonString());
        var (model, report) = EsmModel.FromPretrained(dir.Path);
        using var _ = model;
        Assert.Contains("lm_head.decoder.weight", report.Defaulted);
        Assert.Single(report.Warnings);
        var (tied, _) = EsmModel.FromPretrained(FixtureModel);
        using var _t = tied;
        using var a = Logits(model);
        using var b = Logits(tied);
        Assert.True(a.eq(b).all().item<bool>());
    }

    [Fact]
    public void Stored_decoder_that_differs_from_tied_embeddings_is_warned_about()
    {
        using var dir = EditedFixture(n => n != "lm_head.decoder.weight", ("lm_head.decoder.weight", ones(33, 32)));
        var (model, report) = EsmModel.FromPretrained(dir.Path);
        using var _ = model;
        Assert.Contains(report.Warnings, w => w.Contains("differs", StringComparison.Ordinal));
    }

    [Fact]
    public void Create_then_save_then_load_gives_the_same_model()
    {
        using var dir = new TempDirectory();
        using var created = EsmModel.Create(Small, seed: 5);
        created.SavePretrained(dir.Path);
        var (loaded, report) = EsmModel.FromPretrained(dir.Path);
        using var _ = loaded;
        Assert.Empty(report.Unexpected);
        Assert.Empty(report.Warnings);
        Assert.Equal(Small with { }, loaded.Config with { });
        using var a = Logits(created);
        using var b = Logits(loaded);
        Assert.True(a.eq(b).all().item<bool>());
    }

    [Fact]
    public void Create_is_seeded_and_float64_holds_the_float32_values()
    {
        using var a = EsmModel.Create(Small, seed: 1);
        using var b = EsmModel.Create(Small, seed: 1);
        using var c = EsmModel.Create(Small, seed: 2);
        using var d = EsmModel.Create(Small, seed: 1, dtype: float64);
        var sa = a.state_dict();
        var sb = b.state_dict();
        var sc = c.state_dict();
        var sd = d.state_dict();
        Assert.All(sa.Keys, k => Assert.True(sa[k].eq(sb[k]).all().item<bool>(), k));
        Assert.All(sa.Keys, k => Assert.True(sa[k].to(float64).eq(sd[k]).all().item<bool>(), k));
        Assert.Equal(ScalarType.Float64, sd["esm.encoder.layer.0.attention.self.query.weight"].dtype);
        Assert.False(sa["esm.encoder.layer.0.attention.self.query.weight"].eq(sc["esm.encoder.layer.0.attention.self.query.weight"]).all().item<bool>());
    }

    [Fact]
    public void Create_initialises_as_transformers_does()
    {
        var config = Small with { HiddenSize = 96, IntermediateSize = 384, NumAttentionHeads = 4, InitializerRange = 0.05 };
        using var model = EsmModel.Create(config, seed: 3);
        var state = model.state_dict();
        var weight = state["esm.encoder.layer.2.intermediate.dense.weight"];
        Assert.InRange(weight.std().item<float>(), 0.045, 0.055);
        Assert.InRange(weight.mean().item<float>(), -0.005, 0.005);
        Assert.Equal(0f, state["esm.encoder.layer.0.attention.self.query.bias"].abs().max().item<float>());
        Assert.Equal(1f, state["esm.encoder.layer.1.LayerNorm.weight"].min().item<float>());
        Assert.Equal(1f, state["lm_head.layer_norm.weight"].max().item<float>());
        Assert.Equal(0f, state["esm.encoder.emb_layer_norm_after.bias"].abs().max().item<float>());
        Assert.Equal(0f, state["esm.embeddings.word_embeddings.weight"][1].abs().max().item<float>());
        Assert.Equal(0f, state["lm_head.bias"].abs().max().item<float>());
        using var inv = EsmRotaryEmbedding.DefaultInverseFrequencies(config.HeadSize);
        Assert.True(state["esm.encoder.layer.0.attention.self.rotary_embeddings.inv_freq"].eq(inv).all().item<bool>());
    }

    [Fact]
    public void Stored_inv_freq_equals_the_float32_formula()
    {
        using var file = SafetensorsFile.Open(Path.Combine(FixtureModel, "model.safetensors"));
        using var stored = file.Read("esm.encoder.layer.0.attention.self.rotary_embeddings.inv_freq");
        using var computed = EsmRotaryEmbedding.DefaultInverseFrequencies(checked((int)stored.shape[0] * 2));
        Assert.True(stored.eq(computed).all().item<bool>());
    }

    /// <summary>The adapter injector's contract: every Linear sits in a Module&lt;Tensor, Tensor&gt; field named as in transformers.</summary>
    [Fact]
    public void Every_linear_sits_in_a_replaceable_field_named_as_in_transformers()
    {
        using var model = EsmModel.Create(Small);
        var linears = model.named_modules().Where(m => m.module is TorchSharp.Modules.Linear).Select(m => m.name).ToList();
        Assert.Equal(6 * Small.NumHiddenLayers + 1, linears.Count);
        foreach (var name in linears)
        {
            var dot = name.LastIndexOf('.');
            var parent = model.named_modules().Single(m => m.name == name[..dot]).module;
            var field = parent.GetType().GetField(name[(dot + 1)..], BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
            Assert.NotNull(field);
            Assert.Equal(typeof(nn.Module<Tensor, Tensor>), field!.FieldType);
            Assert.False(field.IsInitOnly, name);
        }
        var expected = new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense", "intermediate.dense", "output.dense" };
        for (var i = 0; i < Small.NumHiddenLayers; i++)
        {
            Assert.All(expected, e => Assert.Contains($"esm.encoder.layer.{i}.{e}", linears));
        }
        Assert.Contains("lm_head.dense", linears);
    }

    private sealed class Scaled(nn.Module<Tensor, Tensor> inner, double factor) : nn.Module<Tensor, Tensor>("Scaled")
    {
        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            return (inner.call(input) * factor).MoveToOuterDisposeScope();
        }
    }

    [Fact]
    public void Forward_goes_through_the_fields_so_a_swapped_module_takes_effect()
    {
        using var model = EsmModel.Create(Small, seed: 4);
        using var before = Logits(model);
        var selfAttention = model.Backbone.encoder.layer[1].attention.self;
        var field = typeof(EsmSelfAttention).GetField("value", BindingFlags.Instance | BindingFlags.NonPublic)!;
        var original = (nn.Module<Tensor, Tensor>)field.GetValue(selfAttention)!;
        field.SetValue(selfAttention, new Scaled(original, 1.0));
        using var same = Logits(model);
        Assert.True(same.eq(before).all().item<bool>());
        field.SetValue(selfAttention, new Scaled(original, 0.5));
        using var changed = Logits(model);
        Assert.False(changed.eq(before).all().item<bool>());
    }

    [Fact]
    public void Hidden_states_are_embeddings_then_each_layer_then_final()
    {
        using var model = EsmModel.Create(Small, seed: 6);
        using var batch = model.Tokenizer.EncodeBatch(Sequences);
        using var output = model.Forward(batch.InputIds, batch.AttentionMask, outputHiddenStates: true);
        Assert.Equal(Small.NumHiddenLayers + 1, output.HiddenStates!.Count);
        Assert.Same(output.LastHiddenState, output.HiddenStates[^1]);
        Assert.Equal(new long[] { 3, batch.InputIds.shape[1], Small.HiddenSize }, output.HiddenStates[0].shape);
        Assert.Equal(new long[] { 3, batch.InputIds.shape[1], Small.VocabSize }, output.Logits.shape);
        // Padding positions of the embeddings are zero.
        Assert.Equal(0.0, output.HiddenStates[0][2, 3].abs().max().item<float>());
        using var plain = model.Backbone.forward(batch.InputIds, batch.AttentionMask);
        Assert.True(plain.eq(output.LastHiddenState).all().item<bool>());
    }

    [Fact]
    public void Dropout_acts_in_training_mode_only()
    {
        using var model = EsmModel.Create(Small with { HiddenDropoutProb = 0.3, AttentionProbsDropoutProb = 0.3 }, seed: 7);
        using var evalA = Logits(model);
        using var evalB = Logits(model);
        Assert.True(evalA.eq(evalB).all().item<bool>());
        model.train();
        using var trainA = Logits(model);
        using var trainB = Logits(model);
        Assert.False(trainA.eq(trainB).all().item<bool>());
        model.eval();
    }

    [Fact]
    public void Mean_pooling_covers_residues_only()
    {
        using var mask = tensor(new long[] { 1, 1, 1, 1, 0, 1, 1, 1, 1, 1 }, [2, 5]);
        // hidden[b, t, 0] = t, so the mean over residues is the mean of their positions.
        using var hidden = arange(5, dtype: float64).view(1, 5, 1).expand(2, 5, 2).contiguous();
        using var mean = EsmPooling.MeanOverResidues(hidden, mask);
        Assert.Equal(new[] { 1.5, 1.5, 2.0, 2.0 }, mean.data<double>().ToArray());
    }

    [Fact]
    public void Forward_leaves_no_live_tensors_behind()
    {
        using var model = EsmModel.Create(Small, seed: 8);
        using var batch = model.Tokenizer.EncodeBatch(Sequences);
        foreach (var grad in new[] { false, true })
        {
            using var mode = set_grad_enabled(grad);
            model.Forward(batch.InputIds, batch.AttentionMask, outputHiddenStates: true).Dispose();
            var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            for (var i = 0; i < 5; i++)
            {
                using var output = model.Forward(batch.InputIds, batch.AttentionMask, outputHiddenStates: i % 2 == 0);
                using var loss = output.Logits.sum();
                if (grad)
                {
                    loss.backward();
                }
            }
            Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
    }

    [Fact]
    public void Parameter_count_matches_the_catalog_formula()
    {
        using var model = EsmModel.Create(Small);
        Assert.Equal(ModelCatalog.CountParameters(Small), model.ParameterCount());
    }
}
