namespace BiDoRA.Engine.Evaluation;

/// <summary>
/// The metrics the trainer reports and the one place that ranks them: which way is better, which metric selects the
/// best checkpoint, which one a run is summarised by, the paper's lead column, and the order lists show them in.
/// </summary>
public static class MetricCatalog
{
    // Per task family, the run page's order: the headline, then its companions. One headline per task, the paper's
    // lead column (accuracy, MSE), so that what lists show, what selects a checkpoint and what compare tests are the
    // same number and can be set beside the paper's tables; MCC (honest on unbalanced classes) and Spearman (the
    // ranking that screening needs) come right after it.
    private static readonly string[] ClassificationProminence = ["accuracy", "mcc", "roc_auc", "f1_macro", "f1_weighted"];
    private static readonly string[] RegressionProminence = ["mse", "spearman", "pearson", "r2", "rmse", "mae"];
    private static readonly string[] PretrainingProminence = ["perplexity", "base_perplexity"];
    private const int Unranked = 10;
    private const int ShownByDefault = 4;

    private static readonly string[] Order =
    [
        "accuracy", "precision_weighted", "recall_weighted", "f1_weighted", "precision_macro", "recall_macro", "f1_macro", "mcc", "roc_auc",
        "mse", "rmse", "mae", "pearson", "spearman", "r2", "loss",
    ];

    private static readonly HashSet<string> LowerIsBetter = new(StringComparer.Ordinal) { "mse", "rmse", "mae", "loss" };

    /// <summary>Error-like metrics (mse, rmse, mae, loss) are better lower; everything else higher.</summary>
    public static bool HigherIsBetter(string metric) => !LowerIsBetter.Contains(metric);

    /// <summary>The metric that picks the best checkpoint (--select best) and that early stopping watches: the headline (see Headline(TaskKind?)).</summary>
    public static string Selection(Data.TaskKind task) => Headline(task);

    /// <summary>
    /// The one metric a task is judged by: lists and headers summarise a run with it, --select best picks on it and
    /// compare tests it by default. Accuracy for classification, MSE for regression (the BiDoRA paper's lead columns).
    /// </summary>
    public static string Headline(Data.TaskKind? task) => (task == Data.TaskKind.Regression ? RegressionProminence : ClassificationProminence)[0];

    /// <summary>The metric charts and reports show beside the headline: MCC for classification, Spearman for regression.</summary>
    public static string Companion(Data.TaskKind? task) => (task == Data.TaskKind.Regression ? RegressionProminence : ClassificationProminence)[1];

    /// <summary>The headline among <paramref name="metrics"/> when the task is not at hand (the most prominent one), or null.</summary>
    public static string? Headline(IEnumerable<string> metrics) =>
        metrics.Where(m => Prominence(m) < Unranked).OrderBy(Prominence).ThenBy(m => m, StringComparer.Ordinal).FirstOrDefault();

    /// <summary>Where a metric stands when a run's metrics are listed: 0 for the headline, then its companions; others last.</summary>
    public static int Prominence(string metric) =>
        Array.IndexOf(ClassificationProminence, metric) is var c and >= 0 ? c
        : Array.IndexOf(RegressionProminence, metric) is var r and >= 0 ? r
        : Array.IndexOf(PretrainingProminence, metric) is var m and >= 0 ? m
        : Unranked;

    /// <summary>The few metrics shown at first (charts, progress lines); the rest are a click away.</summary>
    public static bool IsProminent(string metric) => Prominence(metric) < ShownByDefault;

    /// <summary>Known metrics in the paper's order, then any others alphabetically.</summary>
    public static IReadOnlyList<string> Sort(IEnumerable<string> metrics) =>
        metrics.Distinct(StringComparer.Ordinal)
            .OrderBy(m => Array.IndexOf(Order, m) is var i and >= 0 ? i : Order.Length)
            .ThenBy(m => m, StringComparer.Ordinal)
            .ToList();
}
