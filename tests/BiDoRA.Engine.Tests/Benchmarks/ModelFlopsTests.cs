using BiDoRA.Benchmarks;
using BiDoRA.Engine.Checkpoints;

namespace BiDoRA.Engine.Tests.Benchmarks;

/// <summary>The benchmark's FLOP count against a hand count for ESM-2 8M, and the cost order of the methods.</summary>
public sealed class ModelFlopsTests
{
    [Fact]
    public void Forward_of_esm2_8M_is_the_hand_count()
    {
        var config = ModelCatalog.Find("esm2_t6_8M_UR50D")!.Config;
        var flops = new ModelFlops(config, 8, 128, 2, [], 8, dora: false);
        // 6 layers: 2·1024 tokens·(4·320² + 2·320·1280) for the projections, 4·8·128²·320 for attention; head 2·8·(320² + 640).
        double perLayer = 2.0 * 1024 * (4 * 320 * 320 + 2 * 320 * 1280) + 4.0 * 8 * 128 * 128 * 320;
        Assert.Equal(6 * perLayer + 2.0 * 8 * (320 * 320 + 320 * 2), flops.Forward, 1e-9 * flops.Forward);
    }

    [Fact]
    public void Each_method_costs_what_its_passes_add_up_to()
    {
        var config = ModelCatalog.Find("esm2_t12_35M_UR50D")!.Config;
        (long, long)[] adapted = [.. Enumerable.Repeat((480L, 480L), 24)];
        var lora = new ModelFlops(config, 8, 128, 2, adapted, 8, dora: false);
        var dora = new ModelFlops(config, 8, 128, 2, adapted, 8, dora: true);
        var full = new ModelFlops(config, 8, 128, 2, [], 8, dora: false);
        double Step(ModelFlops f, BenchmarkMethod m) => f.Step(m);
        // Frozen weights skip their weight gradients: an adapter step is about two thirds of full fine-tuning.
        Assert.InRange(Step(lora, BenchmarkMethod.Lora) / Step(full, BenchmarkMethod.Full), 0.6, 0.75);
        Assert.True(Step(dora, BenchmarkMethod.Dora) > Step(lora, BenchmarkMethod.Lora));
        var doraStep = Step(dora, BenchmarkMethod.Dora);
        // First order: the lower step plus one pass for ∂/∂m; finite difference: two more such passes and the θ gradient.
        Assert.InRange(Step(dora, BenchmarkMethod.BiDoraFirstOrder) / doraStep, 1.9, 2.2);
        Assert.InRange(Step(dora, BenchmarkMethod.BiDoraFiniteDifference) / doraStep, 3.8, 4.2);
        Assert.True(Step(dora, BenchmarkMethod.BiDoraUnrolled) > Step(dora, BenchmarkMethod.BiDoraFiniteDifference));
    }
}
