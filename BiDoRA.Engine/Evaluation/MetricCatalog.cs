namespace BiDoRA.Engine.Evaluation;

/// <summary>
/// The metrics the trainer reports and the one place that ranks them: which way is better, which metric selects the
/// best checkpoint, which one a run is summarised by, the paper's lead column, and the order lists show them in.
/// </summary>
public static class MetricCatalog
{
    // Per task family, the run page's order: the headline, then its companions (MCC stays honest on unbalanced
    // classes; Spearman asks for the ranking that screening needs).
    private static readonly string[] ClassificationProminence = ["mcc", "accuracy", "roc_auc", "f1_macro", "f1_weighted"];
    private static readonly string[] RegressionProminence = ["spearman", "pearson", "r2", "mse", "rmse", "mae"];
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

    /// <summary>The metric that picks the best checkpoint (--select best) and that early stopping watches: the paper's lead column, <see cref="Primary"/>.</summary>
    public static string Selection(Data.TaskKind task) => Primary(task);

    /// <summary>The metric a run is summarised by in lists and headers: MCC for classification, Spearman for regression.</summary>
    public static string Headline(Data.TaskKind? task) => (task == Data.TaskKind.Regression ? RegressionProminence : ClassificationProminence)[0];

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

    /// <summary>The column the BiDoRA paper leads with: accuracy for classification, MSE for regression (comparisons test it by default).</summary>
    public static string Primary(Data.TaskKind? task) => task == Data.TaskKind.Regression ? "mse" : "accuracy";

    /// <summary>Known metrics in the paper's order, then any others alphabetically.</summary>
    public static IReadOnlyList<string> Sort(IEnumerable<string> metrics) =>
        metrics.Distinct(StringComparer.Ordinal)
            .OrderBy(m => Array.IndexOf(Order, m) is var i and >= 0 ? i : Order.Length)
            .ThenBy(m => m, StringComparer.Ordinal)
            .ToList();
}
