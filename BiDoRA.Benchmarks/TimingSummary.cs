namespace BiDoRA.Benchmarks;

/// <summary>Seconds of repeated measurements: the median and its spread.</summary>
public sealed record TimingSummary(double Median, double Mean, double StandardDeviation, double Min, double Max, IReadOnlyList<double> Samples)
{
    /// <summary>(max − min) / median: how much the machine moved while measuring.</summary>
    public double RelativeSpread => Median > 0 ? (Max - Min) / Median : 0;

    public static TimingSummary Of(IReadOnlyList<double> seconds)
    {
        if (seconds.Count == 0) throw new ArgumentException("No measurements.", nameof(seconds));
        var sorted = seconds.OrderBy(s => s).ToArray();
        var n = sorted.Length;
        var median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        var mean = sorted.Average();
        var sd = n > 1 ? Math.Sqrt(sorted.Sum(s => (s - mean) * (s - mean)) / (n - 1)) : 0;
        return new TimingSummary(median, mean, sd, sorted[0], sorted[^1], seconds.ToArray());
    }
}
