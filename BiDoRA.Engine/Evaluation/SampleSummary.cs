namespace BiDoRA.Engine.Evaluation;

/// <summary>Mean ± sample standard deviation of a handful of values (e.g. one metric over seeds).</summary>
/// <param name="Count">How many finite values were summarised.</param>
/// <param name="Mean">Null when there are none.</param>
/// <param name="StandardDeviation">Sample standard deviation (n − 1); null for fewer than two values.</param>
/// <param name="Min">Null when there are none.</param>
/// <param name="Max">Null when there are none.</param>
public sealed record SampleSummary(int Count, double? Mean, double? StandardDeviation, double? Min, double? Max)
{
    public static SampleSummary Empty { get; } = new(0, null, null, null, null);

    /// <summary>Summarises the finite values; NaN and infinities (a metric that was undefined for a run) are left out.</summary>
    public static SampleSummary Of(IEnumerable<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        if (finite.Count == 0) return Empty;
        var mean = finite.Average();
        double? sd = null;
        if (finite.Count > 1)
        {
            // Two passes: the textbook one-pass formula loses everything when values are large and close together.
            var squares = finite.Sum(v => (v - mean) * (v - mean));
            sd = Math.Sqrt(squares / (finite.Count - 1));
        }
        return new SampleSummary(finite.Count, mean, sd, finite.Min(), finite.Max());
    }
}
