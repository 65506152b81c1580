using System.Globalization;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Training;

namespace BiDoRA.Workbench.Services.Reports;

/// <summary>
/// A run's test predictions (predictions.csv) as a report shows them: a confusion matrix and the reliability diagram
/// (classification), or predicted-vs-true pairs (regression).
/// </summary>
internal sealed record PredictionTable(IReadOnlyList<string> Classes, int[,]? Confusion, IReadOnlyList<(double Truth, double Predicted)> Values)
{
    /// <summary>Classification: calibration of the test probabilities; null for regression or without p_ columns.</summary>
    public CalibrationResult? Calibration { get; init; }

    /// <summary>Reads the run's predictions; null when there are none (the run has not finished) or the file is unreadable.</summary>
    public static PredictionTable? Read(string runDirectory, TaskKind task, IReadOnlyList<string>? classNames)
    {
        if (TestPredictionsFile.Read(runDirectory, classNames) is not { } rows) return null;
        if (task == TaskKind.Regression)
        {
            var values = rows.Select(r => (TestPredictionsFile.Number(r.Label), TestPredictionsFile.Number(r.Predicted))).Where(v => double.IsFinite(v.Item1) && double.IsFinite(v.Item2)).ToList();
            return new PredictionTable([], null, values);
        }
        var classes = (classNames ?? []).Concat(rows.SelectMany(r => new[] { r.Label, r.Predicted })).Distinct(StringComparer.Ordinal).ToList();
        var confusion = ConfusionMatrix.Count(rows.Select(r => (r.Label, r.Predicted)), classes);
        CalibrationResult? calibration = null;
        var known = classNames ?? [];
        if (rows.Count > 0 && rows.All(r => r.Probabilities is { } p && p.All(double.IsFinite) && known.Contains(r.Label)))
        {
            calibration = Engine.Evaluation.Calibration.Of(rows.Select(r => known.ToList().IndexOf(r.Label)).ToList(), rows.Select(r => r.Probabilities!).ToList());
        }
        return new PredictionTable(classes, confusion, []) { Calibration = calibration };
    }
}
