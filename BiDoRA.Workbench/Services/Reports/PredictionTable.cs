using System.Globalization;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Training;
using CsvHelper;
using CsvHelper.Configuration;

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
        var path = Path.Combine(runDirectory, RunFolder.PredictionsFile);
        if (!File.Exists(path)) return null;
        try
        {
            using var reader = new StreamReader(path);
            using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { BadDataFound = null });
            csv.Read();
            csv.ReadHeader();
            var rows = new List<(string Label, string Predicted)>();
            var header = csv.HeaderRecord ?? [];
            var probabilityColumns = (classNames ?? []).Select(c => Array.IndexOf(header, "p_" + c)).ToList();
            var probabilities = new List<IReadOnlyList<double>>();
            while (csv.Read())
            {
                rows.Add((csv.GetField("label") ?? "", csv.GetField("predicted") ?? ""));
                if (probabilityColumns.Count > 0 && probabilityColumns.All(i => i >= 0)) probabilities.Add(probabilityColumns.Select(i => Parse(csv.GetField(i) ?? "")).ToList());
            }
            if (task == TaskKind.Regression)
            {
                var values = rows.Select(r => (Parse(r.Label), Parse(r.Predicted))).Where(v => double.IsFinite(v.Item1) && double.IsFinite(v.Item2)).ToList();
                return new PredictionTable([], null, values);
            }
            var classes = (classNames ?? []).Concat(rows.SelectMany(r => new[] { r.Label, r.Predicted })).Distinct(StringComparer.Ordinal).ToList();
            var confusion = ConfusionMatrix.Count(rows.Select(r => (r.Label, r.Predicted)), classes);
            CalibrationResult? calibration = null;
            var known = classNames ?? [];
            if (probabilities.Count == rows.Count && rows.Count > 0 && rows.All(r => known.Contains(r.Label)) && probabilities.All(p => p.All(double.IsFinite)))
            {
                calibration = Engine.Evaluation.Calibration.Of(rows.Select(r => known.ToList().IndexOf(r.Label)).ToList(), probabilities);
            }
            return new PredictionTable(classes, confusion, []) { Calibration = calibration };
        }
        catch (Exception e) when (e is CsvHelperException or IOException)
        {
            return null;
        }
    }

    private static double Parse(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
}
