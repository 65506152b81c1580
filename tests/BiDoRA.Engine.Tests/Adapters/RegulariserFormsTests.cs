using BiDoRA.Engine.Adapters;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Adapters;

/// <summary>
/// The regulariser from the low-rank structure (cached W0·W0ᵀ, no out × out tensor that depends on A or B) equals the
/// explicit form from the row-normalised direction, value and gradients, and notices a changed W0.
/// </summary>
public sealed class RegulariserFormsTests
{
    [Theory]
    [InlineData(12, 7, 3)]
    [InlineData(5, 9, 2)]
    public void Low_rank_form_matches_the_explicit_form(int inFeatures, int outFeatures, int rank)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(5);
        var layers = Enumerable.Range(0, 2).Select(_ =>
        {
            var layer = new DoraLinear(nn.Linear(inFeatures, outFeatures, dtype: float64), rank, 2.0 * rank);
            using (no_grad()) layer.LoraB.normal_(0, 0.3);
            return layer;
        }).ToList();
        var parameters = layers.SelectMany(l => l.DirectionParameters).ToArray();

        var fast = OrthogonalityRegularizer.Compute(layers);
        var fastGrads = autograd.grad([fast], parameters);
        var slow = OrthogonalityRegularizer.ComputeExplicit(layers);
        var slowGrads = autograd.grad([slow], parameters);

        Assert.True(Math.Abs(fast.ToDouble() - slow.ToDouble()) < 1e-12 * Math.Abs(slow.ToDouble()));
        Assert.True(slow.ToDouble() > 0.1);
        for (var i = 0; i < parameters.Length; i++)
        {
            var scale = slowGrads[i].abs().max().ToDouble();
            Assert.True(scale > 0);
            Assert.True((fastGrads[i] - slowGrads[i]).abs().max().ToDouble() < 1e-10 * scale, $"gradient {i}");
        }
    }

    [Fact]
    public void A_changed_base_weight_is_seen()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(6);
        var layer = new DoraLinear(nn.Linear(8, 6, dtype: float64), 2, 4);
        using (no_grad()) layer.LoraB.normal_(0, 0.3);
        OrthogonalityRegularizer.Compute([layer]);
        using (no_grad()) layer.BaseWeight[0, 0].add_(0.5);
        var explicitValue = OrthogonalityRegularizer.ComputeExplicit([layer]).ToDouble();
        Assert.Equal(explicitValue, OrthogonalityRegularizer.Compute([layer]).ToDouble(), 12);
    }
}
