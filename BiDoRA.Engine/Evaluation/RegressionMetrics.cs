namespace BiDoRA.Engine.Evaluation;

/// <summary>Regression metrics in the data's units.</summary>
public sealed record RegressionMetrics(double Mse, double Rmse, double Mae, double Pearson, double Spearman, double R2)
{
    public IReadOnlyDictionary<string, double> ToDictionary() => new Dictionary<string, double>
    {
        ["mse"] = Mse, ["rmse"] = Rmse, ["mae"] = Mae, ["pearson"] = Pearson, ["spearman"] = Spearman, ["r2"] = R2,
    };

    public static RegressionMetrics Compute(IReadOnlyList<double> truth, IReadOnlyList<double> predicted)
    {
        if (truth.Count != predicted.Count) throw new ArgumentException($"truth has {truth.Count} values but there are {predicted.Count} predictions.", nameof(predicted));
        var n = truth.Count;
        if (n == 0) return new RegressionMetrics(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        double se = 0, ae = 0;
        for (var i = 0; i < n; i++)
        {
            var d = predicted[i] - truth[i];
            se += d * d;
            ae += Math.Abs(d);
        }
        var mean = truth.Average();
        var total = truth.Sum(t => (t - mean) * (t - mean));
        // Ranks of a NaN prediction (a diverged model) would be finite; the rank correlation must not look valid then.
        var finite = truth.All(double.IsFinite) && predicted.All(double.IsFinite);
        var spearman = finite ? Correlation(Ranking.AverageRanks(truth), Ranking.AverageRanks(predicted)) : double.NaN;
        return new RegressionMetrics(se / n, Math.Sqrt(se / n), ae / n, Correlation(truth, predicted), spearman, total > 0 ? 1 - se / total : double.NaN);
    }

    /// <summary>NaN when either side is constant.</summary>
    public static double Correlation(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"x has {x.Count} values, y has {y.Count}.", nameof(y));
        if (x.Count == 0) return double.NaN;
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Count; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx > 0 && syy > 0 ? sxy / Math.Sqrt(sxx * syy) : double.NaN;
    }
}
