using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Esm;

/// <summary>
/// The fused query-key-value product gives what three separate products give, with and without adapters and
/// autograd, and leaves the parameters under Hugging Face's names (query, key, value), so checkpoints round-trip.
/// </summary>
public sealed class FusedProjectionTests
{
    private static readonly EsmConfig Small = new()
    {
        VocabSize = 33, HiddenSize = 24, NumHiddenLayers = 2, NumAttentionHeads = 3, IntermediateSize = 40,
    };

    private static readonly string[] Sequences = ["MKTAYIAKQRQISFVKSHFSRQ", "GIGKFLHSAK", "ACDE<mask>GHIK"];

    [Theory]
    [InlineData("f64")]
    [InlineData("f32")]
    public void Plain_model_outputs_are_identical(string precision)
    {
        using var model = EsmModel.Create(Small, seed: 21, dtype: precision == "f64" ? float64 : float32);
        using var batch = model.Tokenizer.EncodeBatch(Sequences);
        using var noGrad = no_grad();
        using var fused = model.forward(batch.InputIds, batch.AttentionMask);
        Tensor separate;
        using (ProjectionFusion.Off())
        {
            separate = model.forward(batch.InputIds, batch.AttentionMask);
        }
        using var _ = separate;
        Assert.True(fused.equal(separate).all().item<bool>(), $"max difference {(fused - separate).abs().max().ToDouble()}");
    }

    [Theory]
    [InlineData(AdapterMethod.Full)]
    [InlineData(AdapterMethod.Lora)]
    [InlineData(AdapterMethod.Dora)]
    public void Outputs_and_gradients_match_separate_products_when_training(AdapterMethod method)
    {
        using var model = EsmModel.Create(Small, seed: 22, dtype: float64);
        var adapted = AdapterInjector.Inject(model, new AdapterOptions { Method = method, Rank = 2, TargetModules = ["query", "value"] });
        using (no_grad())
        {
            foreach (var a in adapted) a.Layer.LoraB.normal_(0, 0.1);
        }
        model.train();
        using var batch = model.Tokenizer.EncodeBatch(Sequences);
        // The backbone's (the masked-LM head takes no part in this loss).
        var trainable = model.Backbone.parameters().Where(p => p.requires_grad).ToArray();
        (Tensor Output, Tensor[] Grads) Run(bool fuse)
        {
            using var separate = fuse ? null : ProjectionFusion.Off();
            var output = model.Backbone.forward(batch.InputIds, batch.AttentionMask);
            var loss = (output * batch.AttentionMask.unsqueeze(-1)).pow(2).sum();
            return (output.detach(), [.. autograd.grad([loss], trainable)]);
        }
        using var scope = NewDisposeScope();
        var (fusedOutput, fusedGrads) = Run(fuse: true);
        var (separateOutput, separateGrads) = Run(fuse: false);
        Assert.True((fusedOutput - separateOutput).abs().max().ToDouble() < 1e-12);
        for (var i = 0; i < trainable.Length; i++)
        {
            var scale = Math.Max(1, separateGrads[i].abs().max().ToDouble());
            Assert.True((fusedGrads[i] - separateGrads[i]).abs().max().ToDouble() < 1e-11 * scale, $"gradient {i} differs");
        }
    }

    [Fact]
    public void Checkpoints_keep_query_key_value_names_and_round_trip()
    {
        using var model = EsmModel.Create(Small, seed: 23);
        var names = model.state_dict().Keys.ToList();
        foreach (var part in new[] { "query", "key", "value" })
        {
            Assert.Contains($"esm.encoder.layer.0.attention.self.{part}.weight", names);
            Assert.Contains($"esm.encoder.layer.1.attention.self.{part}.bias", names);
        }
        Assert.DoesNotContain(names, n => n.Contains("qkv", StringComparison.OrdinalIgnoreCase));
        var folder = Path.Combine(Path.GetTempPath(), "bidora-tests", Guid.NewGuid().ToString("N"));
        model.SavePretrained(folder);
        var (loaded, report) = EsmModel.FromPretrained(folder);
        using var _loaded = loaded;
        Assert.Empty(report.Unexpected);
        using var batch = model.Tokenizer.EncodeBatch(Sequences);
        using var noGrad = no_grad();
        using var before = model.forward(batch.InputIds, batch.AttentionMask);
        using var after = loaded.forward(batch.InputIds, batch.AttentionMask);
        Assert.True(before.equal(after).all().item<bool>());
    }
}
