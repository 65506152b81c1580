namespace BiDoRA.Engine.Evaluation;

/// <summary>The metrics the trainer reports: their display order, which way is better, and the headline metric per task.</summary>
public static class MetricCatalog
{
    private static readonly string[] Order =
    [
        "accuracy", "precision_weighted", "recall_weighted", "f1_weighted", "precision_macro", "recall_macro", "f1_macro", "mcc", "roc_auc",
        "mse", "rmse", "mae", "pearson", "spearman", "r2", "loss",
    ];

    private static readonly HashSet<string> LowerIsBetter = new(StringComparer.Ordinal) { "mse", "rmse", "mae", "loss" };

    /// <summary>Error-like metrics (mse, rmse, mae, loss) are better lower; everything else higher.</summary>
    public static bool HigherIsBetter(string metric) => !LowerIsBetter.Contains(metric);

    /// <summary>The column the BiDoRA paper leads with: accuracy for classification, MSE for regression.</summary>
    public static string Primary(Data.TaskKind? task) => task == Data.TaskKind.Regression ? "mse" : "accuracy";

    /// <summary>Known metrics in the paper's order, then any others alphabetically.</summary>
    public static IReadOnlyList<string> Sort(IEnumerable<string> metrics) =>
        metrics.Distinct(StringComparer.Ordinal)
            .OrderBy(m => Array.IndexOf(Order, m) is var i and >= 0 ? i : Order.Length)
            .ThenBy(m => m, StringComparer.Ordinal)
            .ToList();
}
