namespace BiDoRA.Engine.Evaluation;

/// <summary>Counts[true class, predicted class]: the one count behind the metrics, the run page and the report.</summary>
public static class ConfusionMatrix
{
    /// <summary>Over class ids 0 … <paramref name="classCount"/> − 1.</summary>
    /// <exception cref="ArgumentException">An id is outside the classes; the message names the example.</exception>
    public static int[,] Count(IReadOnlyList<int> truth, IReadOnlyList<int> predicted, int classCount)
    {
        if (truth.Count != predicted.Count) throw new ArgumentException($"truth has {truth.Count} labels but there are {predicted.Count} predictions.", nameof(predicted));
        var confusion = new int[classCount, classCount];
        for (var i = 0; i < truth.Count; i++)
        {
            if ((uint)truth[i] >= (uint)classCount) throw new ArgumentException($"truth[{i}] is class {truth[i]}, outside 0..{classCount - 1}.", nameof(truth));
            if ((uint)predicted[i] >= (uint)classCount) throw new ArgumentException($"predicted[{i}] is class {predicted[i]}, outside 0..{classCount - 1}.", nameof(predicted));
            confusion[truth[i], predicted[i]]++;
        }
        return confusion;
    }

    /// <summary>Over class names in <paramref name="classes"/>' order; a pair naming another class is skipped.</summary>
    public static int[,] Count(IEnumerable<(string Truth, string Predicted)> pairs, IReadOnlyList<string> classes)
    {
        var index = classes.Select((c, i) => (c, i)).DistinctBy(x => x.c).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var truth = new List<int>();
        var predicted = new List<int>();
        foreach (var (t, p) in pairs)
        {
            if (!index.TryGetValue(t, out var ti) || !index.TryGetValue(p, out var pi)) continue;
            truth.Add(ti);
            predicted.Add(pi);
        }
        return Count(truth, predicted, classes.Count);
    }

    /// <summary>The rows of a matrix as arrays (for charts).</summary>
    public static int[][] Rows(int[,] confusion) =>
        Enumerable.Range(0, confusion.GetLength(0)).Select(r => Enumerable.Range(0, confusion.GetLength(1)).Select(c => confusion[r, c]).ToArray()).ToArray();
}
