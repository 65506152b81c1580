using BiDoRA.Engine.Data;
using BiDoRA.Engine.Prediction;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Design;

/// <summary>
/// Which residues drive a trained run's prediction: integrated gradients on the input (word) embeddings of the run's
/// merged model, for the scan target's number (a class probability or the value in data units).
/// </summary>
public static class ResidueAttributor
{
    public const int DefaultSteps = 32;

    /// <param name="predictor">A loaded run (its merged model).</param>
    /// <param name="sequence">The sequence explained.</param>
    /// <param name="steps">Integration points; the completeness error falls as 1/steps².</param>
    /// <param name="baseline">The reference input (see <see cref="AttributionBaseline"/>).</param>
    /// <param name="cancellationToken">Stops between passes.</param>
    /// <param name="className">Classification: the class whose probability is explained (default: the predicted one).</param>
    /// <exception cref="ArgumentException">A bad sequence, an unknown class or steps below 1.</exception>
    public static AttributionResult Explain(Predictor predictor, string sequence, int steps = DefaultSteps, string? className = null,
        AttributionBaseline baseline = AttributionBaseline.Mask, CancellationToken cancellationToken = default)
    {
        if (steps < 1) throw new ArgumentException($"Integrated gradients needs at least 1 step, not {steps}.");
        var s = MutationalScanner.NormaliseSequence(sequence);
        var target = className is null && predictor.Task != TaskKind.Regression
            ? ScanTarget.For(predictor, PredictedClass(predictor, s))
            : ScanTarget.For(predictor, className);
        lock (predictor.Gate)
        {
            using var scope = NewDisposeScope();
            var model = predictor.Model;
            var backbone = model.Backbone;
            using var batch = predictor.Tokenizer.EncodeBatch([s], null, predictor.Device);
            var table = backbone.WordEmbeddingTable;
            Tensor input, reference;
            using (no_grad())
            {
                input = table.index_select(0, batch.InputIds[0]).detach();
                var row = table[baseline == AttributionBaseline.Pad ? predictor.Tokenizer.PadId : predictor.Tokenizer.MaskId];
                var residues = Esm.EsmPooling.ResidueMask(batch.AttentionMask, table.dtype)[0].unsqueeze(-1);
                reference = (input * (1 - residues) + row.unsqueeze(0) * residues).detach();
            }
            var scaler = predictor.Scaler;
            Tensor F(Tensor x)
            {
                var n = x.shape[0];
                var ids = batch.InputIds.expand(n, -1);
                var mask = batch.AttentionMask.expand(n, -1);
                var logits = model.Head.call(backbone.ForwardFromWordEmbeddings(x, ids, mask), mask);
                return target.Task == TaskKind.Regression
                    ? logits.squeeze(-1) * scaler.Std + scaler.Mean
                    : nn.functional.softmax(logits, -1).select(-1, target.ClassIndex);
            }
            var (attributions, score, baselineScore) = IntegratedGradients.Attribute(F, input, reference, steps, 8, cancellationToken);
            // <cls> and <eos> keep their vectors, so their attributions are exactly 0: report residues only.
            return new AttributionResult(s, target.Description, score, baselineScore, attributions[1..^1], steps, baseline);
        }
    }

    private static string PredictedClass(Predictor predictor, string sequence)
    {
        var p = predictor.Predict([sequence])[0];
        var best = p.Probabilities!.ToList().IndexOf(p.Probabilities!.Max());
        return predictor.ClassNames?[best] ?? best.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
