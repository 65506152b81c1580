using static TorchSharp.torch;

namespace BiDoRA.Engine.Esm;

/// <summary>
/// Forward passes over many sequences without gradients, for validation, test and prediction alike. Sequences go in
/// batches of similar length (less padding); the results come back in the input order.
/// </summary>
internal static class BatchedInference
{
    /// <summary>One sequence's output: the raw regression value (standardised units) or the most likely class id, and the class probabilities.</summary>
    public readonly record struct Output(double Value, double[]? Probabilities);

    /// <summary>One value per (normalised) sequence for regression, else a softmax over the classes; the token is checked before each batch.</summary>
    public static Output[] Run(SequenceModel model, EsmTokenizer tokenizer, IReadOnlyList<string> sequences, int batchSize, bool regression, Device device,
        CancellationToken cancellationToken = default)
    {
        batchSize = Math.Max(1, batchSize);
        var results = new Output[sequences.Count];
        var order = Enumerable.Range(0, sequences.Count).OrderBy(i => sequences[i].Length).ToArray();
        using var _ = no_grad();
        for (var start = 0; start < order.Length; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var indices = order.Skip(start).Take(batchSize).ToArray();
            using var batch = tokenizer.EncodeBatch(indices.Select(i => sequences[i]).ToList(), EsmTokenizer.MaxResidues, device);
            var logits = model.call(batch.InputIds, batch.AttentionMask).to(ScalarType.Float64).cpu();
            if (regression)
            {
                var values = logits.squeeze(-1).data<double>().ToArray();
                for (var k = 0; k < indices.Length; k++) results[indices[k]] = new Output(values[k], null);
            }
            else
            {
                var probabilities = nn.functional.softmax(logits, -1);
                var classes = (int)probabilities.shape[1];
                var flat = probabilities.data<double>().ToArray();
                for (var k = 0; k < indices.Length; k++)
                {
                    var p = flat.AsSpan(k * classes, classes).ToArray();
                    results[indices[k]] = new Output(Array.IndexOf(p, p.Max()), p);
                }
            }
        }
        return results;
    }
}
