namespace BiDoRA.Engine.Data;

/// <summary>A histogram: bin edges (one more than counts) and counts.</summary>
public sealed record Histogram(IReadOnlyList<double> Edges, IReadOnlyList<int> Counts)
{
    public static Histogram Of(IReadOnlyList<double> values, int bins = 20)
    {
        if (values.Count == 0) return new Histogram([], []);
        double min = values.Min(), max = values.Max();
        if (max == min) max = min + 1;
        var width = (max - min) / bins;
        var counts = new int[bins];
        foreach (var v in values) counts[Math.Min(bins - 1, (int)((v - min) / width))]++;
        return new Histogram(Enumerable.Range(0, bins + 1).Select(i => min + i * width).ToList(), counts);
    }
}

/// <summary>Summary figures of a numeric column.</summary>
public sealed record Summary(double Min, double Median, double Mean, double Max, double Variance)
{
    public static Summary Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return new Summary(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        var sorted = values.Order().ToArray();
        var n = sorted.Length;
        var median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        var mean = sorted.Average();
        var variance = n > 1 ? sorted.Sum(v => (v - mean) * (v - mean)) / (n - 1) : 0;
        return new Summary(sorted[0], median, mean, sorted[^1], variance);
    }
}

/// <summary>What the Datasets page and the inspect command show about a dataset.</summary>
public sealed record DatasetStatistics(
    int Rows,
    int TrainRows,
    int TestRows,
    IReadOnlyDictionary<string, int>? ClassCounts,
    IReadOnlyDictionary<string, int>? TrainClassCounts,
    IReadOnlyDictionary<string, int>? TestClassCounts,
    Summary? Labels,
    Histogram? LabelHistogram,
    Summary Lengths,
    Histogram LengthHistogram,
    IReadOnlyDictionary<char, double> ResidueComposition)
{
    public static DatasetStatistics Of(SequenceDataset dataset)
    {
        var lengths = dataset.Records.Select(r => (double)r.Sequence.Length).ToList();
        var composition = new Dictionary<char, long>();
        long residues = 0;
        foreach (var r in dataset.Records)
        {
            foreach (var c in r.Sequence)
            {
                composition[c] = composition.GetValueOrDefault(c) + 1;
                residues++;
            }
        }
        IReadOnlyDictionary<string, int>? Counts(IEnumerable<SequenceRecord> rows) => dataset.ClassNames is { } names
            ? names.Select((name, i) => (name, count: rows.Count(r => (int)r.Label == i))).ToDictionary(x => x.name, x => x.count)
            : null;
        var labels = dataset.Task == TaskKind.Regression ? dataset.Records.Select(r => r.Label).ToList() : null;
        return new DatasetStatistics(
            dataset.Records.Count, dataset.Train.Count, dataset.Test.Count,
            Counts(dataset.Records), Counts(dataset.Train), Counts(dataset.Test),
            labels is null ? null : Summary.Of(labels), labels is null ? null : Histogram.Of(labels),
            Summary.Of(lengths), Histogram.Of(lengths),
            composition.OrderByDescending(kv => kv.Value).ToDictionary(kv => kv.Key, kv => residues == 0 ? 0 : (double)kv.Value / residues));
    }
}
