namespace BiDoRA.Engine.Evaluation;

/// <summary>A least-squares line y = Slope·x + Intercept with the Pearson correlation of the points.</summary>
/// <param name="Count">Points fitted.</param>
/// <param name="Slope">NaN when fewer than two points or all x are equal.</param>
/// <param name="Intercept">NaN when the slope is.</param>
/// <param name="Correlation">Pearson r; NaN when x or y is constant.</param>
public sealed record LinearFit(int Count, double Slope, double Intercept, double Correlation)
{
    public static LinearFit Of(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"x has {x.Count} values, y has {y.Count}.", nameof(y));
        var n = x.Count;
        if (n < 2) return new LinearFit(n, double.NaN, double.NaN, double.NaN);
        double mx = x.Average(), my = y.Average(), sxx = 0, sxy = 0, syy = 0;
        for (var i = 0; i < n; i++)
        {
            sxx += (x[i] - mx) * (x[i] - mx);
            sxy += (x[i] - mx) * (y[i] - my);
            syy += (y[i] - my) * (y[i] - my);
        }
        if (sxx == 0) return new LinearFit(n, double.NaN, double.NaN, double.NaN);
        var slope = sxy / sxx;
        return new LinearFit(n, slope, my - slope * mx, syy > 0 ? sxy / Math.Sqrt(sxx * syy) : double.NaN);
    }
}
