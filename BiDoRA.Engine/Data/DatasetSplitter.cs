namespace BiDoRA.Engine.Data;

/// <summary>Seeded, shuffled splits, stratified by class for classification (files are often sorted by class).</summary>
public static class DatasetSplitter
{
    /// <returns>The rows kept (First) and the share <paramref name="secondFraction"/> moved to Second, each in shuffled order.</returns>
    public static (IReadOnlyList<SequenceRecord> First, IReadOnlyList<SequenceRecord> Second) Split(
        IReadOnlyList<SequenceRecord> records, double secondFraction, int seed, bool stratify)
    {
        if (secondFraction is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(secondFraction), secondFraction, "Must be in [0, 1].");
        var random = new SeededRandom(seed, stream: 1);
        var groups = stratify
            ? records.GroupBy(r => r.Label).OrderBy(g => g.Key).Select(g => g.ToList()).ToList()
            : [records.ToList()];
        var first = new List<SequenceRecord>();
        var second = new List<SequenceRecord>();
        foreach (var group in groups)
        {
            random.Shuffle(group);
            var take = (int)Math.Round(group.Count * secondFraction, MidpointRounding.AwayFromZero);
            if (secondFraction > 0 && take == 0 && group.Count > 1) take = 1;
            second.AddRange(group.Take(take));
            first.AddRange(group.Skip(take));
        }
        random.Shuffle(first);
        random.Shuffle(second);
        return (first, second);
    }
}
