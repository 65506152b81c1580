using static TorchSharp.torch;

namespace BiDoRA.Engine.Design;

/// <summary>A PCA projection: coordinates per row, and each component's share of the total variance.</summary>
public sealed record Projection(IReadOnlyList<double[]> Coordinates, IReadOnlyList<double> ExplainedVarianceRatio);

/// <summary>
/// PCA through TorchSharp's SVD of the centred matrix (float64): X − mean = U S Vᵀ, coordinates U S. Each component's
/// sign is fixed so that its largest loading is positive, so the same data always draws the same map.
/// </summary>
public static class PrincipalComponents
{
    /// <exception cref="ArgumentException">Fewer than 2 rows, or rows of different lengths.</exception>
    public static Projection Project(IReadOnlyList<double[]> rows, int components = 2)
    {
        if (rows.Count < 2) throw new ArgumentException($"A map needs at least 2 sequences, not {rows.Count}.");
        var width = rows[0].Length;
        if (rows.Any(r => r.Length != width)) throw new ArgumentException("Every embedding must have the same length.");
        Runtime.TorchRuntime.EnsureInitialised();
        using var scope = NewDisposeScope();
        var x = tensor(rows.SelectMany(r => r).ToArray(), [rows.Count, width], dtype: ScalarType.Float64);
        var centred = x - x.mean([0], keepdim: true);
        var (u, s, vh) = linalg.svd(centred, fullMatrices: false);
        var k = (int)Math.Min(components, s.shape[0]);
        var signs = Signs(vh, k);
        var coordinates = (u[.., ..k] * s[..k].unsqueeze(0) * signs.unsqueeze(0)).data<double>().ToArray();
        var variance = (s * s).data<double>().ToArray();
        var total = variance.Sum();
        return new Projection(
            [.. Enumerable.Range(0, rows.Count).Select(i => coordinates.AsSpan(i * k, k).ToArray())],
            [.. variance.Take(k).Select(v => total > 0 ? v / total : 0)]);
    }

    private static Tensor Signs(Tensor vh, int k)
    {
        var top = vh[..k];
        var largest = top.abs().argmax(1);
        var sign = top.gather(1, largest.unsqueeze(1)).squeeze(1).sign();
        return where(sign.eq(0), ones_like(sign), sign);
    }
}
