using System.Runtime.CompilerServices;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Esm;

/// <summary>
/// Runs a masked-LM model over sequences in batches and hands back plain arrays: the mean-pooled final embedding
/// and the logits at every position. For the <c>embed</c> command and anything else outside the engine.
/// </summary>
public sealed class EsmEmbedder : IDisposable
{
    private readonly EsmModel _model;

    private EsmEmbedder(EsmModel model, EsmLoadReport report, EsmPrecision precision)
    {
        _model = model;
        Report = report;
        Precision = precision;
    }

    public EsmConfig Config => _model.Config;

    public IReadOnlyList<string> Vocabulary => _model.Tokenizer.Vocabulary;

    public EsmLoadReport Report { get; }

    public EsmPrecision Precision { get; }

    /// <param name="modelFolder">A Hugging Face model folder (resolve catalog names with <see cref="ModelResolver"/>).</param>
    /// <param name="precision">Float32, or Float64 for checking against references.</param>
    /// <param name="device">auto | cpu | cuda | cuda:N.</param>
    public static EsmEmbedder Load(string modelFolder, EsmPrecision precision = EsmPrecision.Float32, string device = "cpu")
    {
        TorchRuntime.EnsureInitialised();
        var (model, report) = EsmModel.FromPretrained(modelFolder, DeviceSelector.Resolve(device), ToScalarType(precision));
        return new EsmEmbedder(model, report, precision);
    }

    /// <summary>Checks every sequence first (so a bad one fails before any work), then yields results in input order.</summary>
    /// <param name="sequences">Residue letters; <c>&lt;mask&gt;</c> may be written inline.</param>
    /// <param name="batchSize">Sequences per forward pass.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <param name="maxResidues">When given, longer sequences are cut to this many residues; otherwise they are used whole.</param>
    /// <exception cref="SequenceFormatException">A sequence holds an invalid character; the message names the sequence (1-based).</exception>
    public async IAsyncEnumerable<SequenceEmbedding> EmbedAsync(IReadOnlyList<string> sequences, int batchSize = 8, int? maxResidues = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var tokenizer = _model.Tokenizer;
        for (var i = 0; i < sequences.Count; i++)
        {
            try
            {
                tokenizer.Encode(sequences[i], maxResidues);
            }
            catch (SequenceFormatException e)
            {
                throw new SequenceFormatException($"Sequence {i + 1}: {e.Message}", e.Position, e.Character, i);
            }
        }
        for (var start = 0; start < sequences.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(batchSize, sequences.Count - start);
            var first = start;
            var results = await Task.Run(() => EmbedBatch(sequences, first, count, maxResidues), cancellationToken).ConfigureAwait(false);
            foreach (var result in results)
            {
                yield return result;
            }
        }
    }

    private List<SequenceEmbedding> EmbedBatch(IReadOnlyList<string> sequences, int start, int count, int? maxResidues)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var batchSequences = Enumerable.Range(start, count).Select(i => sequences[i]).ToArray();
        using var batch = _model.Tokenizer.EncodeBatch(batchSequences, maxResidues, _model.Device);
        using var output = _model.Forward(batch.InputIds, batch.AttentionMask);
        var hidden = (int)output.LastHiddenState.shape[2];
        var (padded, vocabulary) = ((int)output.Logits.shape[1], (int)output.Logits.shape[2]);
        var mean = EsmPooling.MeanOverResidues(output.LastHiddenState, batch.AttentionMask).to(float64, CPU).data<double>().ToArray();
        var logits = output.Logits.to(float64, CPU).data<double>().ToArray();
        var ids = batch.InputIds.to(CPU).data<long>().ToArray();
        var results = new List<SequenceEmbedding>(count);
        for (var b = 0; b < count; b++)
        {
            var length = batch.Lengths[b];
            var tokens = ids.AsSpan(b * padded, length).ToArray().Select(id => _model.Tokenizer.Vocabulary[(int)id]).ToArray();
            var rows = new double[length][];
            for (var t = 0; t < length; t++)
            {
                rows[t] = logits.AsSpan((b * padded + t) * vocabulary, vocabulary).ToArray();
            }
            results.Add(new SequenceEmbedding(start + b, batchSequences[b], tokens, mean.AsSpan(b * hidden, hidden).ToArray(), rows));
        }
        return results;
    }

    private static ScalarType ToScalarType(EsmPrecision precision) => precision switch
    {
        EsmPrecision.Float32 => ScalarType.Float32,
        EsmPrecision.Float64 => ScalarType.Float64,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, null),
    };

    public void Dispose() => _model.Dispose();
}
