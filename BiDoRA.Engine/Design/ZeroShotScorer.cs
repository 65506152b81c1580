using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Design;

/// <summary>
/// Zero-shot variant effects from a base ESM-2 (any checkpoint with its masked-LM head; no labels). Masked marginal:
/// every scored position is masked in its own pass (batched), and log p(residue) − log p(wt) is read there; wild-type
/// marginal reads the same from one unmasked pass. Sequential use; one per device.
/// </summary>
public sealed class ZeroShotScorer : IDisposable
{
    /// <summary>The residues a heatmap shows, in this order.</summary>
    public const string StandardResidues = "ACDEFGHIKLMNPQRSTVWY";

    private readonly EsmModel _model;
    private readonly bool _owned;
    private readonly Lock _gate = new();

    internal ZeroShotScorer(EsmModel model, bool owned)
    {
        _model = model;
        _owned = owned;
    }

    /// <param name="modelFolder">A Hugging Face ESM-2 folder (resolve catalog names with <see cref="ModelResolver"/>).</param>
    /// <param name="device">auto | cpu | cuda | cuda:N.</param>
    public static ZeroShotScorer Load(string modelFolder, string device = "auto")
    {
        TorchRuntime.EnsureInitialised();
        return new ZeroShotScorer(EsmModel.FromPretrained(modelFolder, DeviceSelector.Resolve(device)).Model, owned: true);
    }

    /// <summary>Scores each variant; the heatmap covers every position of the wild type (masked marginal: one pass per position).</summary>
    /// <exception cref="ArgumentException">The wild type is empty, longer than ESM-2 reads, or holds a character that is not a residue letter.</exception>
    public VariantScoring Score(string wildType, IReadOnlyList<VariantEntry> variants, ZeroShotMethod method, int batchSize = 8,
        IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        var wt = CheckWildType(wildType);
        var table = LogProbabilities(wt, method, Enumerable.Range(1, wt.Length).ToList(), batchSize, progress, cancellationToken);
        var ids = ResidueIds();
        var scores = variants.Select(v => new VariantScore(v.Location, v.Variant.ToString(),
            v.Variant.Substitutions.Sum(s => table[s.Position][ids(s.To)] - table[s.Position][ids(s.From)]), v.DmsScore)).ToList();
        var cells = new List<EffectCell>(wt.Length * StandardResidues.Length);
        foreach (var (position, logp) in table.OrderBy(kv => kv.Key))
        {
            var w = wt[position - 1];
            foreach (var r in StandardResidues) cells.Add(new EffectCell(position, w, r, logp[ids(r)] - logp[ids(w)]));
        }
        var measured = scores.Where(s => s.DmsScore is not null).ToList();
        double? rho = measured.Count >= 3
            ? RegressionMetrics.Correlation(Ranking.AverageRanks(measured.Select(s => s.Score).ToList()), Ranking.AverageRanks(measured.Select(s => s.DmsScore!.Value).ToList()))
            : null;
        return new VariantScoring(wt, method, scores, cells, rho is { } r2 && double.IsFinite(r2) ? r2 : null, measured.Count);
    }

    /// <summary>
    /// Log-probabilities over the vocabulary at each 1-based position: with that position masked (masked marginal) or from
    /// the unmasked wild type. Index the rows with the tokenizer's ids.
    /// </summary>
    internal Dictionary<int, double[]> LogProbabilities(string wildType, ZeroShotMethod method, IReadOnlyList<int> positions, int batchSize,
        IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var tokenizer = _model.Tokenizer;
        var baseIds = tokenizer.Encode(wildType).Select(i => (long)i).ToArray();
        var length = baseIds.Length;
        var result = new Dictionary<int, double[]>();
        lock (_gate)
        {
            using var noGrad = no_grad();
            if (method == ZeroShotMethod.WildTypeMarginal)
            {
                using var scope = NewDisposeScope();
                var ids = tensor(baseIds, [1, length], dtype: ScalarType.Int64, device: _model.Device);
                var mask = ones_like(ids);
                var logp = nn.functional.log_softmax(_model.call(ids, mask), -1).to(ScalarType.Float64).cpu();
                var flat = logp.data<double>().ToArray();
                var vocab = (int)logp.shape[2];
                foreach (var p in positions) result[p] = flat.AsSpan(p * vocab, vocab).ToArray();
                progress?.Report(1);
                return result;
            }
            var step = Math.Max(1, batchSize);
            for (var start = 0; start < positions.Count; start += step)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var chunk = positions.Skip(start).Take(step).ToArray();
                var rows = new long[chunk.Length * length];
                for (var b = 0; b < chunk.Length; b++)
                {
                    baseIds.CopyTo(rows, b * length);
                    rows[b * length + chunk[b]] = tokenizer.MaskId;
                }
                var ids = tensor(rows, [chunk.Length, length], dtype: ScalarType.Int64, device: _model.Device);
                var logits = _model.call(ids, ones_like(ids));
                var at = tensor(chunk.Select(p => (long)p).ToArray(), dtype: ScalarType.Int64, device: _model.Device);
                // Only the masked position of each row is needed: pick it before the softmax.
                var picked = logits[arange(chunk.Length, dtype: ScalarType.Int64, device: _model.Device), at];
                var logp = nn.functional.log_softmax(picked.to(ScalarType.Float64), -1).cpu();
                var flat = logp.data<double>().ToArray();
                var vocab = (int)logp.shape[1];
                for (var b = 0; b < chunk.Length; b++) result[chunk[b]] = flat.AsSpan(b * vocab, vocab).ToArray();
                progress?.Report((double)(start + chunk.Length) / positions.Count);
            }
        }
        return result;
    }

    private Func<char, int> ResidueIds()
    {
        var tokenizer = _model.Tokenizer;
        return c => tokenizer.Encode(c.ToString())[1];
    }

    private static string CheckWildType(string wildType)
    {
        var wt = Data.SequenceNormalizer.Normalise(wildType ?? "");
        if (wt.Length == 0) throw new ArgumentException("The wild-type sequence is empty.");
        if (Data.SequenceNormalizer.FirstInvalid(wt) is { } bad)
            throw new ArgumentException($"Wild type, position {bad.Position}: '{bad.Character}' is not an amino-acid letter. Allowed: {Data.SequenceNormalizer.Residues}.");
        if (wt.Length > EsmTokenizer.MaxResidues)
            throw new ArgumentException($"The wild type has {wt.Length} residues; ESM-2 reads at most {EsmTokenizer.MaxResidues}.");
        return wt;
    }

    /// <summary>Normalises a wild type as the scorer does (case, white space, a trailing '*'), checking it.</summary>
    public static string NormaliseWildType(string wildType) => CheckWildType(wildType);

    public void Dispose()
    {
        if (_owned) _model.Dispose();
    }
}
