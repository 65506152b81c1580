namespace BiDoRA.Engine.Evaluation;

/// <summary>
/// Classification metrics as the BiDoRA paper reports them (precision, recall and F1 weighted by support) plus their
/// macro averages, MCC and ROC-AUC. A class never predicted has precision 0 (scikit-learn's zero_division=0);
/// macro averages run over the classes that occur in the truth or the predictions (scikit-learn's default labels),
/// so a class absent from a small test split does not pull them down; ROC-AUC is NaN when the truth holds a single class.
/// </summary>
public sealed record ClassificationMetrics(
    double Accuracy,
    double PrecisionWeighted,
    double RecallWeighted,
    double F1Weighted,
    double PrecisionMacro,
    double RecallMacro,
    double F1Macro,
    double Mcc,
    double RocAuc,
    int[,] ConfusionMatrix)
{
    public IReadOnlyDictionary<string, double> ToDictionary() => new Dictionary<string, double>
    {
        ["accuracy"] = Accuracy,
        ["precision_weighted"] = PrecisionWeighted,
        ["recall_weighted"] = RecallWeighted,
        ["f1_weighted"] = F1Weighted,
        ["precision_macro"] = PrecisionMacro,
        ["recall_macro"] = RecallMacro,
        ["f1_macro"] = F1Macro,
        ["mcc"] = Mcc,
        ["roc_auc"] = RocAuc,
    };

    /// <param name="truth">True class ids.</param>
    /// <param name="predicted">Predicted class ids.</param>
    /// <param name="probabilities">Per-example class probabilities (for ROC-AUC); null leaves AUC NaN.</param>
    /// <param name="classCount">Number of classes (ids 0 … classCount − 1).</param>
    public static ClassificationMetrics Compute(IReadOnlyList<int> truth, IReadOnlyList<int> predicted, IReadOnlyList<double[]>? probabilities, int classCount)
    {
        if (classCount < 1) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "There must be at least one class.");
        if (probabilities is not null && probabilities.Count != truth.Count)
            throw new ArgumentException($"truth has {truth.Count} labels but there are {probabilities.Count} probability rows.", nameof(probabilities));
        var n = truth.Count;
        var confusion = Evaluation.ConfusionMatrix.Count(truth, predicted, classCount);

        double pw = 0, rw = 0, fw = 0, pm = 0, rm = 0, fm = 0;
        var present = 0;
        for (var c = 0; c < classCount; c++)
        {
            double tp = confusion[c, c], support = 0, predictedCount = 0;
            for (var k = 0; k < classCount; k++)
            {
                support += confusion[c, k];
                predictedCount += confusion[k, c];
            }
            var precision = predictedCount > 0 ? tp / predictedCount : 0;
            var recall = support > 0 ? tp / support : 0;
            var f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
            if (support + predictedCount > 0)
            {
                present++;
                pm += precision; rm += recall; fm += f1;
            }
            if (n > 0)
            {
                pw += precision * support / n; rw += recall * support / n; fw += f1 * support / n;
            }
        }
        if (n == 0) (pw, rw, fw) = (double.NaN, double.NaN, double.NaN);
        (pm, rm, fm) = present > 0 ? (pm / present, rm / present, fm / present) : (double.NaN, double.NaN, double.NaN);
        var correct = Enumerable.Range(0, classCount).Sum(c => confusion[c, c]);
        var accuracy = n > 0 ? (double)correct / n : double.NaN;
        return new ClassificationMetrics(accuracy, pw, rw, fw, pm, rm, fm, MatthewsCorrelation(confusion, classCount, n),
            probabilities is null ? double.NaN : AreaUnderRoc(truth, probabilities, classCount), confusion);
    }

    /// <summary>Gorodkin's multiclass MCC; equals the binary formula for two classes.</summary>
    private static double MatthewsCorrelation(int[,] confusion, int classCount, int n)
    {
        double correct = 0, sumPt = 0, sumP2 = 0, sumT2 = 0;
        for (var k = 0; k < classCount; k++)
        {
            double t = 0, p = 0;
            for (var j = 0; j < classCount; j++)
            {
                t += confusion[k, j];
                p += confusion[j, k];
            }
            correct += confusion[k, k];
            sumPt += p * t; sumP2 += p * p; sumT2 += t * t;
        }
        var denominator = Math.Sqrt(((double)n * n - sumP2) * ((double)n * n - sumT2));
        return denominator == 0 ? 0 : (correct * n - sumPt) / denominator;
    }

    /// <summary>Binary: the Mann–Whitney form with average ranks for ties; multiclass: macro one-vs-rest.</summary>
    private static double AreaUnderRoc(IReadOnlyList<int> truth, IReadOnlyList<double[]> probabilities, int classCount)
    {
        if (classCount == 2) return BinaryAuc(truth.Select(t => t == 1).ToList(), probabilities.Select(p => p[1]).ToList());
        var aucs = Enumerable.Range(0, classCount)
            .Select(c => BinaryAuc(truth.Select(t => t == c).ToList(), probabilities.Select(p => p[c]).ToList()))
            .Where(a => !double.IsNaN(a))
            .ToList();
        return aucs.Count == 0 ? double.NaN : aucs.Average();
    }

    internal static double BinaryAuc(IReadOnlyList<bool> positive, IReadOnlyList<double> score)
    {
        long positives = positive.Count(p => p), negatives = positive.Count - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        var ranks = Ranking.AverageRanks(score);
        var rankSum = Enumerable.Range(0, ranks.Length).Where(i => positive[i]).Sum(i => ranks[i]);
        return (rankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }
}
