using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Esm;

/// <summary>The ESM model with adapters injected: the contract between the model's fields and the injector.</summary>
public sealed class EsmAdapterIntegrationTests
{
    private static readonly EsmConfig Small = new()
    {
        VocabSize = 33, HiddenSize = 16, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 24,
    };

    private static readonly string[] Sequences = ["MKTAYIAK<mask>RQ", "GIGKFL"];

    [Fact]
    public void Dora_on_every_linear_starts_as_the_base_model_and_trains_only_adapters()
    {
        using var model = EsmModel.Create(Small, seed: 11, dtype: float64);
        using var batch = model.Tokenizer.EncodeBatch(Sequences);
        using var before = model.forward(batch.InputIds, batch.AttentionMask);

        var adapted = AdapterInjector.Inject(model, new AdapterOptions
        {
            Method = AdapterMethod.Dora,
            Rank = 2,
            TargetModules = ["query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense", "lm_head.dense"],
        });
        Assert.Equal(6 * Small.NumHiddenLayers + 1, adapted.Count);
        Assert.Contains(model.named_parameters(), p => p.name == "esm.encoder.layer.0.attention.self.query.base_layer.weight");

        using var after = model.forward(batch.InputIds, batch.AttentionMask);
        Assert.True((after - before).abs().max().item<double>() < 1e-12);

        using var loss = after.pow(2).mean();
        loss.backward();
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();
        Assert.All(trainable, n => Assert.Contains(".lora_", n));
        Assert.All(model.named_parameters().Where(p => p.parameter.requires_grad), p => Assert.NotNull(p.parameter.grad));
    }

    [Fact]
    public void Fused_and_explicit_attention_give_the_same_outputs_and_gradients()
    {
        using var model = EsmModel.Create(Small, seed: 13, dtype: float64);
        var adapted = AdapterInjector.Inject(model, new AdapterOptions { Method = AdapterMethod.Dora, Rank = 2, TargetModules = ["query", "key", "value"] });
        using (no_grad())
        {
            foreach (var a in adapted) a.Layer.LoraB.normal_(0, 0.1);
        }
        // Padding in the batch: masked keys must get the same treatment from both kernels.
        using var batch = model.Tokenizer.EncodeBatch(Sequences);
        var trainable = model.parameters().Where(p => p.requires_grad).ToArray();
        (Tensor Hidden, Tensor[] Grads) Run(bool explicitAttention)
        {
            using var twice = explicitAttention ? AttentionKernel.TwiceDifferentiable() : null;
            var hidden = model.Backbone.forward(batch.InputIds, batch.AttentionMask);
            var loss = (hidden * batch.AttentionMask.unsqueeze(-1)).pow(2).sum();
            return (hidden.detach(), [.. torch.autograd.grad([loss], trainable)]);
        }
        using var scope = NewDisposeScope();
        var (fusedHidden, fused) = Run(explicitAttention: false);
        var (explicitHidden, explicitGrads) = Run(explicitAttention: true);
        Assert.True((fusedHidden - explicitHidden).abs().max().item<double>() < 1e-12);
        for (var i = 0; i < trainable.Length; i++)
        {
            var scale = Math.Max(1, explicitGrads[i].abs().max().item<double>());
            Assert.True((fused[i] - explicitGrads[i]).abs().max().item<double>() < 1e-10 * scale, $"gradient {i} differs");
            Assert.True(explicitGrads[i].abs().sum().item<double>() > 0, $"gradient {i} is zero");
        }
    }

    [Fact]
    public void Second_order_gradients_flow_through_the_whole_backbone()
    {
        // The unrolled hypergradient differentiates a gradient of the backbone again; the fused attention
        // kernel cannot be (libtorch aborts the process), so such passes ask for the explicit attention.
        using var twice = AttentionKernel.TwiceDifferentiable();
        using var model = EsmModel.Create(Small, seed: 12, dtype: float64);
        var adapted = AdapterInjector.Inject(model, new AdapterOptions { Method = AdapterMethod.BiDora, Rank = 2 });
        var layer = (DoraLinear)adapted[0].Layer;
        using var batch = model.Tokenizer.EncodeBatch(Sequences);
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            // Non-zero B, so that the magnitude and the direction interact.
            foreach (var a in adapted)
            {
                a.Layer.LoraB.normal_(0, 0.1);
            }
        }
        var hidden = model.Backbone.forward(batch.InputIds, batch.AttentionMask);
        var loss = hidden.pow(2).mean();
        var direction = adapted.SelectMany(a => a.Layer.DirectionParameters).ToArray();
        var grads = torch.autograd.grad([loss], direction, retain_graph: true, create_graph: true);
        var gradNorm = grads.Select(g => g.pow(2).sum()).Aggregate((x, y) => x + y);
        var hyper = torch.autograd.grad([gradNorm], [layer.Magnitude])[0];
        Assert.True(hyper.abs().sum().item<double>() > 0);
        Assert.False(hyper.isnan().any().item<bool>());
    }
}
