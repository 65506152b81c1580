using System.Globalization;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.Training;
using CsvHelper;
using CsvHelper.Configuration;

namespace BiDoRA.Workbench.Services.Reports;

/// <summary>A run's test predictions (predictions.csv) as a report shows them: a confusion matrix or predicted-vs-true pairs.</summary>
internal sealed record PredictionTable(IReadOnlyList<string> Classes, int[,]? Confusion, IReadOnlyList<(double Truth, double Predicted)> Values)
{
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
            while (csv.Read()) rows.Add((csv.GetField("label") ?? "", csv.GetField("predicted") ?? ""));
            if (task == TaskKind.Regression)
            {
                var values = rows.Select(r => (Parse(r.Label), Parse(r.Predicted))).Where(v => double.IsFinite(v.Item1) && double.IsFinite(v.Item2)).ToList();
                return new PredictionTable([], null, values);
            }
            var classes = (classNames ?? []).Concat(rows.SelectMany(r => new[] { r.Label, r.Predicted })).Distinct(StringComparer.Ordinal).ToList();
            return new PredictionTable(classes, ConfusionMatrix.Count(rows, classes), []);
        }
        catch (Exception e) when (e is CsvHelperException or IOException)
        {
            return null;
        }
    }

    private static double Parse(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
}
