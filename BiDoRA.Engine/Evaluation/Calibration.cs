namespace BiDoRA.Engine.Evaluation;

/// <summary>
/// How far a classifier's confidence can be trusted: the reliability diagram (accuracy against confidence in equal-width
/// bins of the top-class probability) and the expected calibration error, ECE = Σ_b (n_b / N)·|accuracy_b − confidence_b|
/// (Guo et al. 2017, 10 bins by default). A well-calibrated model that says 0.8 is right 80 % of the time.
/// </summary>
public static class Calibration
{
    public const int DefaultBins = 10;

    /// <param name="labels">True class per example.</param>
    /// <param name="probabilities">Predicted probability per class per example.</param>
    /// <param name="bins">Equal-width confidence bins over [0, 1].</param>
    /// <exception cref="ArgumentException">The lists differ in length or a class index is out of range.</exception>
    public static CalibrationResult Of(IReadOnlyList<int> labels, IReadOnlyList<IReadOnlyList<double>> probabilities, int bins = DefaultBins)
    {
        if (labels.Count != probabilities.Count) throw new ArgumentException($"{labels.Count} labels but {probabilities.Count} probability rows.", nameof(probabilities));
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins), bins, "At least one bin.");
        var count = new int[bins];
        var confidence = new double[bins];
        var correct = new int[bins];
        for (var i = 0; i < labels.Count; i++)
        {
            var p = probabilities[i];
            if (labels[i] < 0 || labels[i] >= p.Count) throw new ArgumentException($"Example {i}: class {labels[i]} is outside its {p.Count} probabilities.", nameof(labels));
            var top = 0;
            for (var c = 1; c < p.Count; c++) if (p[c] > p[top]) top = c;
            // Bins are (lower, upper]; a confidence of exactly 0 goes to the first.
            var bin = Math.Clamp((int)Math.Ceiling(p[top] * bins) - 1, 0, bins - 1);
            count[bin]++;
            confidence[bin] += p[top];
            if (top == labels[i]) correct[bin]++;
        }
        var rows = new List<CalibrationBin>(bins);
        double ece = 0;
        for (var b = 0; b < bins; b++)
        {
            double? meanConfidence = count[b] == 0 ? null : confidence[b] / count[b];
            double? accuracy = count[b] == 0 ? null : correct[b] / (double)count[b];
            if (count[b] > 0) ece += count[b] / (double)labels.Count * Math.Abs(accuracy!.Value - meanConfidence!.Value);
            rows.Add(new CalibrationBin(b / (double)bins, (b + 1) / (double)bins, count[b], meanConfidence, accuracy));
        }
        return new CalibrationResult(labels.Count == 0 ? double.NaN : ece, labels.Count, rows);
    }
}

/// <summary>A reliability diagram and its ECE.</summary>
/// <param name="ExpectedCalibrationError">ECE in [0, 1]; NaN without examples.</param>
/// <param name="Examples">How many examples.</param>
/// <param name="Bins">The diagram, lowest confidence first.</param>
public sealed record CalibrationResult(double ExpectedCalibrationError, int Examples, IReadOnlyList<CalibrationBin> Bins);

/// <summary>One confidence bin (Lower, Upper]: how many examples, their mean confidence and their accuracy (null when empty).</summary>
public sealed record CalibrationBin(double Lower, double Upper, int Count, double? MeanConfidence, double? Accuracy);
