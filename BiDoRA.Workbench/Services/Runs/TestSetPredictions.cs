using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace BiDoRA.Workbench.Services.Runs;

/// <summary>One test-set example as the run predicted it.</summary>
public sealed record TestSetPrediction(string? Id, string Sequence, string Label, string Predicted, IReadOnlyList<double> Probabilities)
{
    public bool Correct => string.Equals(Label, Predicted, StringComparison.Ordinal);

    public double? LabelValue => double.TryParse(Label, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;

    public double? PredictedValue => double.TryParse(Predicted, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
}

/// <summary>
/// A finished run's test-set predictions, read from its predictions.csv (id, sequence, label, predicted and one p_
/// column per class for classification), for the run page's confusion matrix, scatter and table.
/// </summary>
public sealed record TestSetPredictions(IReadOnlyList<string> ClassNames, IReadOnlyList<TestSetPrediction> Rows, bool IsRegression, bool Truncated)
{
    /// <summary>More rows than a page can usefully show are left out (the file stays complete for download).</summary>
    public const int MaxRows = 100_000;

    /// <exception cref="InvalidDataException">The file lacks a sequence, label or predicted column; the message names the file.</exception>
    public static TestSetPredictions Read(string path)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { DetectColumnCountChanges = false, MissingFieldFound = null });
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { } header)
        {
            return new TestSetPredictions([], [], false, false);
        }
        int Column(params string[] names) => Array.FindIndex(header, h => names.Contains(h.Trim(), StringComparer.OrdinalIgnoreCase));
        var id = Column("id");
        var sequence = Column("sequence");
        var label = Column("label", "target");
        var predicted = Column("predicted", "prediction");
        if (sequence < 0 || label < 0 || predicted < 0)
        {
            throw new InvalidDataException($"{path}: expected the columns sequence, label and predicted; found {string.Join(", ", header)}.");
        }
        var probabilityColumns = header.Select((h, i) => (h, i)).Where(c => c.h.StartsWith("p_", StringComparison.Ordinal)).ToList();
        var rows = new List<TestSetPrediction>();
        var truncated = false;
        while (csv.Read())
        {
            if (rows.Count == MaxRows)
            {
                truncated = true;
                break;
            }
            var probabilities = probabilityColumns
                .Select(c => double.TryParse(csv.GetField(c.i), NumberStyles.Float, CultureInfo.InvariantCulture, out var p) ? p : double.NaN)
                .ToArray();
            rows.Add(new TestSetPrediction(id >= 0 ? csv.GetField(id) : null, csv.GetField(sequence) ?? "", csv.GetField(label) ?? "", csv.GetField(predicted) ?? "", probabilities));
        }

        var classNames = probabilityColumns.Select(c => c.h[2..]).ToList();
        // The engine writes p_ columns for every classification run and none for regression.
        var regression = classNames.Count == 0 && rows.Count > 0 && rows.All(r => r.LabelValue is not null && r.PredictedValue is not null);
        if (!regression && classNames.Count == 0)
        {
            classNames = rows.SelectMany(r => new[] { r.Label, r.Predicted }).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        }
        return new TestSetPredictions(regression ? [] : classNames, rows, regression, truncated);
    }

    /// <summary>Counts[true class, predicted class] in <see cref="ClassNames"/> order; labels outside it are skipped.</summary>
    public int[][] ConfusionMatrix() =>
        Engine.Evaluation.ConfusionMatrix.Rows(Engine.Evaluation.ConfusionMatrix.Count(Rows.Select(r => (r.Label, r.Predicted)), ClassNames));
}
