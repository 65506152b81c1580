using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Prediction;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Design;

/// <summary>Mean final embeddings (over residues) of sequences, from a trained run's merged backbone.</summary>
public static class RunEmbeddings
{
    /// <exception cref="ArgumentException">A sequence that is empty or not residue letters; the message names its index.</exception>
    public static IReadOnlyList<double[]> Mean(Predictor predictor, IReadOnlyList<string> sequences, int batchSize = 16,
        IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        var normalised = sequences.Select((s, i) =>
        {
            try
            {
                return MutationalScanner.NormaliseSequence(s);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Sequence {i + 1}: {e.Message}");
            }
        }).ToList();
        var result = new double[sequences.Count][];
        var step = Math.Max(1, batchSize);
        lock (predictor.Gate)
        {
            using var noGrad = no_grad();
            for (var start = 0; start < normalised.Count; start += step)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var part = normalised.Skip(start).Take(step).ToList();
                using var batch = predictor.Tokenizer.EncodeBatch(part, EsmTokenizer.MaxResidues, predictor.Device);
                var hidden = predictor.Model.Backbone.call(batch.InputIds, batch.AttentionMask);
                var mean = EsmPooling.MeanOverResidues(hidden, batch.AttentionMask).to(ScalarType.Float64).cpu();
                var width = (int)mean.shape[1];
                var flat = mean.data<double>().ToArray();
                for (var b = 0; b < part.Count; b++) result[start + b] = flat.AsSpan(b * width, width).ToArray();
                progress?.Report((double)(start + part.Count) / normalised.Count);
            }
        }
        return result;
    }
}
