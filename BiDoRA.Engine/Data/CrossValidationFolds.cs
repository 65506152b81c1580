namespace BiDoRA.Engine.Data;

/// <summary>
/// K-fold assignment for cross-validation on small data: seeded, stratified by class for classification, and every
/// row in exactly one test fold. With sequence clusters (homology-aware folds) whole clusters move together, so no
/// cluster has members on both sides of a fold's train/test boundary.
/// </summary>
public static class CrossValidationFolds
{
    /// <summary>Fewest folds a cross-validation has.</summary>
    public const int MinFolds = 2;

    /// <summary>Most folds one sweep may ask for.</summary>
    public const int MaxFolds = 20;

    /// <returns>For every record (same order) its fold, 0 … <paramref name="folds"/> − 1.</returns>
    /// <param name="records">The rows to fold.</param>
    /// <param name="folds">K.</param>
    /// <param name="seed">Fixes the assignment; the same seed gives the same folds for every method.</param>
    /// <param name="stratify">Balance each class over the folds (classification).</param>
    /// <param name="clusters">Optional cluster id per record (same order): rows of one cluster share a fold.</param>
    /// <exception cref="ArgumentException">Fewer rows (or clusters) than folds, or K outside 2 … 20.</exception>
    public static int[] Assign(IReadOnlyList<SequenceRecord> records, int folds, int seed, bool stratify, IReadOnlyList<string>? clusters = null)
    {
        if (folds is < MinFolds or > MaxFolds) throw new ArgumentOutOfRangeException(nameof(folds), folds, $"Cross-validation takes {MinFolds} to {MaxFolds} folds.");
        if (clusters is not null && clusters.Count != records.Count) throw new ArgumentException($"{clusters.Count} cluster ids for {records.Count} rows.", nameof(clusters));
        if (records.Count < folds) throw new ArgumentException($"{records.Count} row(s) cannot fill {folds} folds; use fewer folds.", nameof(folds));
        var random = new SeededRandom(seed, stream: 3);
        var assignment = new int[records.Count];
        if (clusters is null)
        {
            var groups = stratify
                ? Enumerable.Range(0, records.Count).GroupBy(i => records[i].Label).OrderBy(g => g.Key).Select(g => g.ToList()).ToList()
                : [Enumerable.Range(0, records.Count).ToList()];
            // Deal each shuffled class round the folds, starting where the previous class stopped, so fold sizes
            // differ by at most one row overall and each class by at most one per fold.
            var next = 0;
            foreach (var group in groups)
            {
                random.Shuffle(group);
                foreach (var index in group)
                {
                    assignment[index] = next;
                    next = (next + 1) % folds;
                }
            }
            return assignment;
        }

        var members = Enumerable.Range(0, records.Count).GroupBy(i => clusters[i], StringComparer.Ordinal).Select(g => g.ToList()).ToList();
        if (members.Count < folds) throw new ArgumentException($"The rows form {members.Count} cluster(s), too few for {folds} folds; use fewer folds or a higher identity threshold.", nameof(clusters));
        random.Shuffle(members);
        // Largest clusters first, each into the fold that is then smallest (for classification: the fold whose
        // class counts most lack this cluster's classes), which balances sizes without splitting a cluster.
        var labels = records.Select(r => r.Label).Distinct().Order().ToList();
        var size = new int[folds];
        var perClass = labels.ToDictionary(l => l, _ => new int[folds]);
        foreach (var cluster in members.OrderByDescending(c => c.Count).ToList())
        {
            var best = 0;
            var bestScore = double.MaxValue;
            for (var f = 0; f < folds; f++)
            {
                double score = size[f];
                if (stratify) score += cluster.Sum(i => perClass[records[i].Label][f]);
                if (score < bestScore) (best, bestScore) = (f, score);
            }
            foreach (var i in cluster)
            {
                assignment[i] = best;
                size[best]++;
                perClass[records[i].Label][best]++;
            }
        }
        return assignment;
    }

    /// <summary>Fold <paramref name="fold"/> (0-based) as its training rows and test rows, in the records' order.</summary>
    public static (IReadOnlyList<SequenceRecord> Train, IReadOnlyList<SequenceRecord> Test) Split(IReadOnlyList<SequenceRecord> records, int[] assignment, int fold)
    {
        var train = new List<SequenceRecord>();
        var test = new List<SequenceRecord>();
        for (var i = 0; i < records.Count; i++) (assignment[i] == fold ? test : train).Add(records[i] with { Split = assignment[i] == fold ? DatasetSplit.Test : DatasetSplit.Train });
        return (train, test);
    }
}
