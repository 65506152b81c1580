using System.Globalization;

namespace BiDoRA.Workbench.Components.Comparison;

/// <summary>Metric keys as people write them, and numbers as a comparison shows them.</summary>
internal static class MetricNames
{
    public static string Of(string metric) => metric switch
    {
        "mcc" => "MCC",
        "roc_auc" => "ROC AUC",
        "mse" => "MSE",
        "rmse" => "RMSE",
        "mae" => "MAE",
        "r2" => "R²",
        "f1_macro" => "F1 (macro)",
        "f1_weighted" => "F1 (weighted)",
        "precision_macro" => "precision (macro)",
        "precision_weighted" => "precision (weighted)",
        "recall_macro" => "recall (macro)",
        "recall_weighted" => "recall (weighted)",
        _ => metric.Replace('_', ' '),
    };

    /// <summary>Three significant digits; scientific notation below 0.0001.</summary>
    public static string PValue(double p) =>
        !double.IsFinite(p) ? "–"
        : p < 0.0001 ? p.ToString("0.0e0", CultureInfo.InvariantCulture)
        : p.ToString("G3", CultureInfo.InvariantCulture);

    public static string Number(double? value) => value is { } v ? Display.Number(v) : "–";

    /// <summary>"0.8123 ± 0.0121", or the mean alone when there is one value.</summary>
    public static string MeanSd(Engine.Evaluation.SampleSummary summary) =>
        summary.Mean is not { } mean ? "–"
        : summary.StandardDeviation is { } sd ? $"{Display.Number(mean)} ± {Display.Number(sd)}"
        : Display.Number(mean);
}
