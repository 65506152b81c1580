namespace BiDoRA.Engine.Data;

/// <summary>
/// Batches that waste little compute on padding: the epoch's order is shuffled, cut into chunks of
/// <c>chunkBatches × batchSize</c>, each chunk sorted by length and cut into batches, and the batches shuffled.
/// Deterministic in (seed, epoch).
/// </summary>
public static class LengthBucketedBatcher
{
    public const int DefaultChunkBatches = 50;

    /// <summary>Indices into <paramref name="lengths"/>, one array per batch.</summary>
    public static IReadOnlyList<int[]> Batches(IReadOnlyList<int> lengths, int batchSize, int seed, int epoch, int chunkBatches = DefaultChunkBatches)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be positive.");
        var random = new SeededRandom(seed, stream: 1000 + epoch);
        var order = Enumerable.Range(0, lengths.Count).ToArray();
        random.Shuffle(order);
        var chunk = batchSize * Math.Max(1, chunkBatches);
        var batches = new List<int[]>();
        for (var start = 0; start < order.Length; start += chunk)
        {
            var sorted = order.Skip(start).Take(chunk).OrderBy(i => lengths[i]).ToArray();
            for (var b = 0; b < sorted.Length; b += batchSize) batches.Add(sorted.Skip(b).Take(batchSize).ToArray());
        }
        random.Shuffle(batches);
        return batches;
    }

    /// <summary>The batches of one epoch over <paramref name="examples"/>, by their sequence lengths: a <see cref="BatchStream"/>'s order.</summary>
    internal static IReadOnlyList<int[]> Batches(IReadOnlyList<LabeledSequence> examples, int batchSize, int seed, int epoch) =>
        Batches(examples.Select(e => e.Sequence.Length).ToList(), batchSize, seed, epoch);

    /// <summary>Share of token slots that are padding, counting &lt;cls&gt; and &lt;eos&gt; as real tokens.</summary>
    public static double PaddingFraction(IReadOnlyList<int> lengths, IEnumerable<int[]> batches)
    {
        long slots = 0, real = 0;
        foreach (var batch in batches)
        {
            if (batch.Length == 0) continue;
            var longest = batch.Max(i => lengths[i]) + 2;
            slots += (long)longest * batch.Length;
            real += batch.Sum(i => (long)lengths[i] + 2);
        }
        return slots == 0 ? 0 : 1 - (double)real / slots;
    }
}
