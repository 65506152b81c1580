using System.Globalization;
using BiDoRA.Engine.RunFolders;
using CsvHelper;
using CsvHelper.Configuration;

namespace BiDoRA.Workbench.Services.Reports;

/// <summary>
/// Reads a run folder's predictions.csv (id,sequence,label,predicted,p_&lt;class&gt;…, as PredictionsCsv writes the test
/// set) for the reports that are built from it.
/// </summary>
internal static class TestPredictionsFile
{
    /// <summary>One test row; <see cref="Probabilities"/> in <c>classNames</c> order (NaN where a cell is not a number), null without those columns.</summary>
    public sealed record Row(string Id, string Sequence, string Label, string Predicted, IReadOnlyList<double>? Probabilities);

    /// <summary>The rows of the file; null when there is none (the run has not finished) or it cannot be read.</summary>
    public static IReadOnlyList<Row>? Read(string runDirectory, IReadOnlyList<string>? classNames)
    {
        var path = Path.Combine(runDirectory, RunFolder.PredictionsFile);
        if (!File.Exists(path)) return null;
        try
        {
            using var reader = new StreamReader(path);
            using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { BadDataFound = null });
            csv.Read();
            csv.ReadHeader();
            var header = csv.HeaderRecord ?? [];
            var columns = (classNames ?? []).Select(c => Array.IndexOf(header, "p_" + c)).ToList();
            var withProbabilities = columns.Count > 0 && columns.All(i => i >= 0);
            var rows = new List<Row>();
            while (csv.Read())
            {
                rows.Add(new Row(csv.TryGetField<string>("id", out var id) ? id ?? "" : "", csv.TryGetField<string>("sequence", out var sequence) ? sequence ?? "" : "",
                    csv.GetField("label") ?? "", csv.GetField("predicted") ?? "",
                    withProbabilities ? columns.Select(i => Number(csv.GetField(i) ?? "")).ToList() : null));
            }
            return rows;
        }
        catch (Exception e) when (e is CsvHelperException or IOException)
        {
            return null;
        }
    }

    public static double Number(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
}
