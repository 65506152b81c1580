namespace BiDoRA.Engine.Training;

/// <summary>
/// Regression targets are standardised for training (MSE on values of order 1 trains with the same learning rates
/// across units) and predictions are mapped back to the data's units.
/// </summary>
public sealed record TargetScaler(double Mean, double Std)
{
    public static TargetScaler Identity { get; } = new(0, 1);

    public static TargetScaler Fit(IEnumerable<double> values)
    {
        var list = values.ToList();
        if (list.Count == 0) return Identity;
        var mean = list.Average();
        var variance = list.Sum(v => (v - mean) * (v - mean)) / Math.Max(1, list.Count - 1);
        var std = Math.Sqrt(variance);
        return new TargetScaler(mean, std > 1e-12 ? std : 1);
    }

    public double Scale(double value) => (value - Mean) / Std;

    public double Unscale(double value) => value * Std + Mean;
}
