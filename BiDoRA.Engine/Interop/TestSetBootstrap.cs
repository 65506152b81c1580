using System.Globalization;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Evaluation;

namespace BiDoRA.Engine.Interop;

/// <summary>A metric on the test split with a percentile bootstrap interval.</summary>
public sealed record MetricInterval(string Metric, double Value, double Lower, double Upper);

/// <summary>
/// Percentile bootstrap intervals of the test metrics from a run's predictions.csv: the test sequences are resampled
/// with replacement (fixed seed, so a card is reproducible) and every metric recomputed on each resample.
/// </summary>
internal static class TestSetBootstrap
{
    public const int Resamples = 1000;
    public const double Level = 0.95;

    /// <summary>Each test metric of metrics.json (<paramref name="test"/>) with its interval; NaN bounds where a metric is undefined on too many resamples.</summary>
    public static IReadOnlyList<MetricInterval> Intervals(string predictionsCsv, TaskKind task, IReadOnlyList<string>? classNames, IReadOnlyDictionary<string, double> test)
    {
        var lines = File.Exists(predictionsCsv) ? File.ReadAllLines(predictionsCsv) : [];
        var header = lines.Length > 0 ? Split(lines[0]) : [];
        var (label, predicted) = (Array.IndexOf(header, "label"), Array.IndexOf(header, "predicted"));
        var probabilities = header.Select((h, i) => (h, i)).Where(x => x.h.StartsWith("p_", StringComparison.Ordinal)).Select(x => x.i).ToArray();
        var rows = label < 0 || predicted < 0 ? [] : lines.Skip(1).Where(l => l.Length > 0).Select(Split)
            .Select(f => new Row(f[label], f[predicted], probabilities.Select(i => f[i]).ToArray())).ToList();
        var samples = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        if (rows.Count > 1)
        {
            var random = new SeededRandom(0, 15);
            var indices = new int[rows.Count];
            for (var b = 0; b < Resamples; b++)
            {
                for (var i = 0; i < indices.Length; i++) indices[i] = random.Next(rows.Count);
                foreach (var (name, value) in Compute(rows, indices, task, classNames))
                {
                    if (!double.IsFinite(value)) continue;
                    if (!samples.TryGetValue(name, out var list)) samples[name] = list = [];
                    list.Add(value);
                }
            }
        }
        return MetricCatalog.Sort(test.Keys).Select(name =>
        {
            var value = test[name];
            if (!samples.TryGetValue(name, out var list) || list.Count < Resamples / 2) return new MetricInterval(name, value, double.NaN, double.NaN);
            list.Sort();
            var alpha = (1 - Level) / 2;
            return new MetricInterval(name, value, Quantile(list, alpha), Quantile(list, 1 - alpha));
        }).ToList();
    }

    private sealed record Row(string Label, string Predicted, string[] Probabilities);

    private static IReadOnlyDictionary<string, double> Compute(List<Row> rows, int[] indices, TaskKind task, IReadOnlyList<string>? classNames)
    {
        if (task == TaskKind.Regression)
        {
            return RegressionMetrics.Compute(indices.Select(i => Number(rows[i].Label)).ToList(), indices.Select(i => Number(rows[i].Predicted)).ToList()).ToDictionary();
        }
        var classes = (classNames ?? ["0", "1"]).ToList();
        return ClassificationMetrics.Compute(
            indices.Select(i => classes.IndexOf(rows[i].Label)).ToList(),
            indices.Select(i => classes.IndexOf(rows[i].Predicted)).ToList(),
            indices.Select(i => rows[i].Probabilities.Select(Number).ToArray()).ToList(),
            classes.Count).ToDictionary();
    }

    private static double Quantile(List<double> sorted, double q)
    {
        var position = q * (sorted.Count - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(sorted.Count - 1, low + 1);
        return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
    }

    private static double Number(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>One line of the CSV the run folder writes (fields quoted when they hold a comma or quote).</summary>
    private static string[] Split(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        fields.Add(field.ToString());
        return [.. fields];
    }
}
