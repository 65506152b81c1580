using BiDoRA.Engine.Design;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Design;

public sealed class IntegratedGradientsTests(TrainedRunsFixture runs) : IClassFixture<TrainedRunsFixture>
{
    [Fact]
    public void A_constructed_model_that_reads_one_position_gets_all_of_the_attribution_there()
    {
        // f(x) = (u · x[3])²: only row 3 matters, and with a zero baseline IG gives it exactly f(x) − f(0) (the
        // integrand 2α·g² is linear in α, which the midpoint rule integrates exactly at any step count).
        BiDoRA.Engine.Runtime.TorchRuntime.EnsureInitialised();
        using var scope = NewDisposeScope();
        var generator = new Random(5);
        var x = tensor(Enumerable.Range(0, 6 * 4).Select(_ => generator.NextDouble() - 0.5).ToArray(), [6, 4], dtype: ScalarType.Float64);
        var u = tensor(new[] { 0.5, -1.0, 2.0, 0.25 }, dtype: ScalarType.Float64);
        Tensor F(Tensor points) => (points.select(1, 3) * u).sum(-1).pow(2);
        var (attributions, score, baselineScore) = IntegratedGradients.Attribute(F, x, zeros_like(x), steps: 3);
        var g = (x[3] * u).sum().item<double>();
        Assert.Equal(g * g, score, 1e-12);
        Assert.Equal(0.0, baselineScore);
        for (var t = 0; t < 6; t++) Assert.Equal(t == 3 ? g * g : 0.0, attributions[t], 1e-12);
    }

    [Fact]
    public void A_linear_model_gets_weight_times_input_difference()
    {
        BiDoRA.Engine.Runtime.TorchRuntime.EnsureInitialised();
        using var scope = NewDisposeScope();
        var x = tensor(new[] { 1.0, 2, 3, 4, 5, 6 }, [3, 2], dtype: ScalarType.Float64);
        var b = tensor(new[] { 1.0, 1, 1, 1, 1, 1 }, [3, 2], dtype: ScalarType.Float64);
        var w = tensor(new[] { 1.0, -1, 0.5, 2, 0, 3 }, [3, 2], dtype: ScalarType.Float64);
        var (attributions, _, _) = IntegratedGradients.Attribute(p => (p * w).sum([1, 2]), x, b, steps: 1);
        Assert.Equal([0 * 1 + 1 * -1.0, 2 * 0.5 + 3 * 2.0, 4 * 0 + 5 * 3.0], attributions);
    }

    [Fact]
    public void Completeness_error_on_a_trained_run_falls_as_steps_grow()
    {
        const string peptide = "GLFDIVKKVVGALGSL";
        var errors = new[] { 2, 8, 64 }.Select(steps => ResidueAttributor.Explain(runs.Run, peptide, steps)).ToList();
        var p = runs.Run.Predict([peptide])[0];
        Assert.All(errors, r => Assert.Equal(peptide.Length, r.Attributions.Count));
        Assert.All(errors, r => Assert.Equal(p.Probabilities!.Max(), r.Score, 1e-5));
        var delta = Math.Abs(errors[0].Score - errors[0].BaselineScore);
        Assert.True(delta > 1e-4, $"f(x) − f(baseline) = {delta} is too small to test against");
        Assert.True(Math.Abs(errors[2].CompletenessError) <= Math.Abs(errors[0].CompletenessError) + 1e-6,
            $"errors {string.Join(", ", errors.Select(e => e.CompletenessError))}");
        Assert.True(Math.Abs(errors[2].CompletenessError) < 0.005 * delta, $"64 steps: error {errors[2].CompletenessError} for Δf {delta}");
        Assert.True(Math.Abs(errors[0].CompletenessError) > Math.Abs(errors[2].CompletenessError), "2 steps should be visibly worse than 64");

        var pad = ResidueAttributor.Explain(runs.Run, peptide, 16, baseline: AttributionBaseline.Pad);
        Assert.Equal(AttributionBaseline.Pad, pad.Baseline);
        Assert.Throws<ArgumentException>(() => ResidueAttributor.Explain(runs.Run, peptide, 0));
    }
}
