using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Esm;

/// <summary>Elementwise |actual − expected| ≤ abs + rel·|expected|, optionally only where a [B, T] mask is 1.</summary>
internal static class Parity
{
    /// <returns>Null when within tolerance, otherwise a line saying by how much it is not.</returns>
    public static string? Check(string name, Tensor actual, Tensor expected, double abs, double rel = 0, Tensor? realPositions = null)
    {
        using var scope = NewDisposeScope();
        if (!actual.shape.SequenceEqual(expected.shape))
        {
            return $"{name}: shape [{string.Join(", ", actual.shape)}] != reference [{string.Join(", ", expected.shape)}]";
        }
        var a = actual.detach().to(float64, CPU);
        var e = expected.detach().to(float64, CPU);
        var difference = (a - e).abs();
        var excess = difference - (abs + rel * e.abs());
        if (realPositions is not null)
        {
            var padding = realPositions.eq(0);
            while (padding.dim() < difference.dim())
            {
                padding = padding.unsqueeze(-1);
            }
            padding = padding.expand_as(difference);
            excess = excess.masked_fill(padding, double.NegativeInfinity);
            difference = difference.masked_fill(padding, 0.0);
        }
        var worst = excess.max().item<double>();
        // NaN anywhere fails too: a NaN comparison is false.
        return worst <= 0 && !difference.isnan().any().item<bool>()
            ? null
            : $"{name}: max |Δ| = {difference.max().item<double>():E3} exceeds {abs:E1} + {rel:E1}·|ref| (worst excess {worst:E3})";
    }
}
