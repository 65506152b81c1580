using BiDoRA.Engine.Evaluation;

namespace BiDoRA.Engine.Tests.Evaluation;

/// <summary>Metrics on small cases computed by hand (the working is in the comments).</summary>
public sealed class MetricsTests
{
    [Fact]
    public void Binary_metrics_match_hand_computation()
    {
        // 6 negatives, 4 positives: TN = 4, FP = 2, TP = 3, FN = 1.
        int[] truth = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1];
        int[] predicted = [0, 0, 0, 0, 1, 1, 1, 1, 1, 0];
        double[] p1 = [0.1, 0.2, 0.3, 0.35, 0.6, 0.7, 0.8, 0.9, 0.65, 0.35];
        var m = ClassificationMetrics.Compute(truth, predicted, p1.Select(p => new[] { 1 - p, p }).ToList(), 2);

        Assert.Equal(0.7, m.Accuracy, 12);
        // Class 0: P = 4/5, R = 4/6, F1 = 8/11. Class 1: P = 3/5, R = 3/4, F1 = 2/3.
        Assert.Equal((0.8 * 6 + 0.6 * 4) / 10, m.PrecisionWeighted, 12);            // 0.72
        Assert.Equal(0.7, m.RecallWeighted, 12);                                      // equals accuracy
        Assert.Equal((8.0 / 11 * 6 + 2.0 / 3 * 4) / 10, m.F1Weighted, 12);           // 0.70303
        Assert.Equal(0.7, m.PrecisionMacro, 12);
        Assert.Equal((4.0 / 6 + 0.75) / 2, m.RecallMacro, 12);
        Assert.Equal((8.0 / 11 + 2.0 / 3) / 2, m.F1Macro, 12);
        // (TP·TN − FP·FN)/√((TP+FP)(TP+FN)(TN+FP)(TN+FN)) = (12 − 2)/√(5·4·6·5).
        Assert.Equal(10 / Math.Sqrt(600), m.Mcc, 12);
        // Positive beats negative in 6 + 6 + 5 + 3 pairs and ties once (0.35 vs 0.35): (20 + 0.5)/24.
        Assert.Equal(20.5 / 24, m.RocAuc, 12);
        Assert.Equal(new[,] { { 4, 2 }, { 1, 3 } }, m.ConfusionMatrix);
    }

    [Fact]
    public void Multiclass_macro_averages_skip_a_class_absent_from_truth_and_predictions()
    {
        // Four declared classes, class 3 never occurs. Confusion (rows truth): [1 1 0], [0 2 0], [1 0 1].
        int[] truth = [0, 0, 1, 1, 2, 2];
        int[] predicted = [0, 1, 1, 1, 2, 0];
        var m = ClassificationMetrics.Compute(truth, predicted, null, 4);

        Assert.Equal(4.0 / 6, m.Accuracy, 12);
        // P = (1/2, 2/3, 1), R = (1/2, 1, 1/2), F1 = (1/2, 4/5, 2/3), each class with support 2.
        Assert.Equal((0.5 + 2.0 / 3 + 1) / 3, m.PrecisionMacro, 12);
        Assert.Equal((0.5 + 1 + 0.5) / 3, m.RecallMacro, 12);
        Assert.Equal((0.5 + 0.8 + 2.0 / 3) / 3, m.F1Macro, 12);
        Assert.Equal(m.PrecisionMacro, m.PrecisionWeighted, 12);
        // Gorodkin: c = 4, s = 6, t = (2,2,2), p = (2,3,1): (4·6 − 12)/√((36 − 14)(36 − 12)).
        Assert.Equal(12 / Math.Sqrt(22 * 24), m.Mcc, 12);
        Assert.True(double.IsNaN(m.RocAuc));
    }

    [Fact]
    public void Perfect_and_inverted_binary_predictions_give_mcc_one_and_minus_one()
    {
        int[] truth = [0, 1, 0, 1];
        Assert.Equal(1, ClassificationMetrics.Compute(truth, [0, 1, 0, 1], null, 2).Mcc, 12);
        Assert.Equal(-1, ClassificationMetrics.Compute(truth, [1, 0, 1, 0], null, 2).Mcc, 12);
        // Always predicting one class: MCC is 0 by convention, precision of the never-predicted class 0.
        var constant = ClassificationMetrics.Compute(truth, [1, 1, 1, 1], null, 2);
        Assert.Equal(0, constant.Mcc);
        Assert.Equal((0 + 0.5) / 2, constant.PrecisionMacro, 12);
    }

    [Fact]
    public void Classification_rejects_labels_outside_the_classes()
    {
        var e = Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute([0, 2], [0, 1], null, 2));
        Assert.Contains("truth[1] is class 2", e.Message);
    }

    [Fact]
    public void Regression_metrics_match_hand_computation()
    {
        double[] truth = [1, 2, 3, 4, 5];
        double[] predicted = [1.5, 1.5, 3.5, 3, 6];
        var m = RegressionMetrics.Compute(truth, predicted);
        // Errors 0.5, −0.5, 0.5, −1, 1: SE = 2.75, AE = 3.5; total SS of truth = 10.
        Assert.Equal(0.55, m.Mse, 12);
        Assert.Equal(Math.Sqrt(0.55), m.Rmse, 12);
        Assert.Equal(0.7, m.Mae, 12);
        Assert.Equal(1 - 2.75 / 10, m.R2, 12);
        // Sxy = 10.5, Sxx = 10, Syy = 13.7.
        Assert.Equal(10.5 / Math.Sqrt(137), m.Pearson, 12);
        // Ranks of the predictions with the tie: 1.5, 1.5, 4, 3, 5 → Sxy = 8.5, Syy = 9.5.
        Assert.Equal(8.5 / Math.Sqrt(95), m.Spearman, 12);
    }

    [Fact]
    public void A_diverged_prediction_leaves_no_metric_looking_valid()
    {
        var m = RegressionMetrics.Compute([1, 2, 3], [1, double.NaN, 3]);
        Assert.True(double.IsNaN(m.Mse));
        Assert.True(double.IsNaN(m.Pearson));
        Assert.True(double.IsNaN(m.Spearman));
    }

    [Fact]
    public void Correlation_of_a_constant_is_undefined()
    {
        Assert.True(double.IsNaN(RegressionMetrics.Correlation([1, 1, 1], [1, 2, 3])));
        Assert.True(double.IsNaN(RegressionMetrics.Compute([2, 2], [1, 3]).R2));
    }

    [Fact]
    public void Ranks_share_the_average_of_their_ties()
    {
        Assert.Equal([4, 1.5, 5, 1.5, 6.5, 9, 3, 8, 6.5], Ranking.AverageRanks([3, 1, 4, 1, 5, 9, 2, 6, 5]));
    }

    [Fact]
    public void Summary_uses_the_sample_standard_deviation()
    {
        // Mean 5, squared deviations 9 + 1 + 1 + 9 = 20, sample variance 20/3.
        var s = SampleSummary.Of([2, 4, 6, 8, double.NaN]);
        Assert.Equal(4, s.Count);
        Assert.Equal(5, s.Mean);
        Assert.Equal(Math.Sqrt(20.0 / 3), s.StandardDeviation!.Value, 12);
        Assert.Equal(2, s.Min);
        Assert.Equal(8, s.Max);
        Assert.Null(SampleSummary.Of([3]).StandardDeviation);
        Assert.Null(SampleSummary.Of([]).Mean);
        // Large, close values: the two-pass form keeps them.
        Assert.Equal(1, SampleSummary.Of([1e9 + 1, 1e9 + 2, 1e9 + 3]).StandardDeviation!.Value, 9);
    }

    [Fact]
    public void Least_squares_line_through_known_points()
    {
        // y = −2x + 1 exactly, then with noise whose slope is known: x = 0,1,2,3; y = 1, −1, −2, −6.
        var exact = LinearFit.Of([0, 1, 2, 3], [1, -1, -3, -5]);
        Assert.Equal(-2, exact.Slope, 12);
        Assert.Equal(1, exact.Intercept, 12);
        Assert.Equal(-1, exact.Correlation, 12);
        // Sxx = 5, Sxy = (−1.5)(3) + (−0.5)(1) + (0.5)(0) + (1.5)(−4) = −11, Syy = 9 + 1 + 0 + 16 = 26.
        var noisy = LinearFit.Of([0, 1, 2, 3], [1, -1, -2, -6]);
        Assert.Equal(-11.0 / 5, noisy.Slope, 12);
        Assert.Equal(-2 - (-2.2) * 1.5, noisy.Intercept, 12);
        Assert.Equal(-11 / Math.Sqrt(5 * 26), noisy.Correlation, 12);
        Assert.True(double.IsNaN(LinearFit.Of([1, 1], [2, 3]).Slope));
    }
}
