using BiDoRA.Engine.Data;
using BiDoRA.Engine.Esm;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Training;

/// <summary>
/// ESM-2's masked-LM objective. Each residue is chosen with probability p (15 %); a chosen residue becomes
/// <c>&lt;mask&gt;</c> with probability 0.8, a uniformly drawn standard residue with 0.1, and stays as it is with 0.1.
/// <c>&lt;cls&gt;</c>, <c>&lt;eos&gt;</c> and padding are never chosen. The loss is the mean cross-entropy over the chosen
/// positions only. Token-dropout rescaling is not done here: the model's embeddings apply it to the <c>&lt;mask&gt;</c>
/// tokens they are given, exactly as in pre-training. Draws come from a <see cref="SeededRandom"/>, so a checkpoint
/// that stores its state resumes with the same masks.
/// </summary>
internal sealed class MaskedLanguageModeling
{
    public const double DefaultProbability = 0.15;
    public const double MaskShare = 0.8;
    public const double RandomShare = 0.1;

    /// <summary>The label of positions the loss ignores (torch's and transformers' convention).</summary>
    public const long IgnoreIndex = -100;

    // Random replacements draw from the 20 standard amino acids, not the rare letters or special tokens.
    private const string StandardResidues = "ACDEFGHIKLMNPQRSTVWY";

    private readonly EsmTokenizer _tokenizer;
    private readonly int[] _residueIds;

    public MaskedLanguageModeling(EsmTokenizer tokenizer, double probability = DefaultProbability)
    {
        if (!(probability > 0 && probability < 1)) throw new ArgumentOutOfRangeException(nameof(probability), probability, "The masking probability must be between 0 and 1 (exclusive).");
        _tokenizer = tokenizer;
        Probability = probability;
        _residueIds = tokenizer.Encode(StandardResidues)[1..^1];
    }

    public double Probability { get; }

    /// <summary>
    /// A window of at most <paramref name="maxResidues"/> residues at a uniformly drawn offset (ESM-2 crops long
    /// sequences the same way); shorter sequences are returned whole.
    /// </summary>
    public static string Crop(string sequence, int maxResidues, SeededRandom random) =>
        sequence.Length <= maxResidues ? sequence : sequence.Substring(random.Next(sequence.Length - maxResidues + 1), maxResidues);

    /// <summary>Encodes, pads and corrupts <paramref name="sequences"/>; at least one position of the batch is chosen.</summary>
    public MaskedBatch Mask(IReadOnlyList<string> sequences, SeededRandom random, Device? device = null)
    {
        if (sequences.Count == 0) throw new ArgumentException("A batch needs at least one sequence.", nameof(sequences));
        var encoded = sequences.Select(s => _tokenizer.Encode(s)).ToArray();
        var length = encoded.Max(e => e.Length);
        var ids = new long[encoded.Length * length];
        var labels = new long[ids.Length];
        var attention = new long[ids.Length];
        Array.Fill(labels, IgnoreIndex);
        var chosen = 0;
        var tokens = 0;
        for (var b = 0; b < encoded.Length; b++)
        {
            var row = b * length;
            for (var t = 0; t < length; t++)
            {
                var real = t < encoded[b].Length;
                ids[row + t] = real ? encoded[b][t] : _tokenizer.PadId;
                attention[row + t] = real ? 1 : 0;
            }
            tokens += encoded[b].Length;
            // Residues sit between <cls> (0) and <eos> (last).
            for (var t = 1; t < encoded[b].Length - 1; t++)
            {
                if (random.NextDouble() < Probability)
                {
                    Corrupt(ids, labels, row + t, random);
                    chosen++;
                }
            }
        }
        if (chosen == 0)
        {
            // A batch of a few short peptides can draw nothing; one position keeps its loss defined.
            var residues = encoded.Sum(e => e.Length - 2);
            var pick = random.Next(residues);
            for (var b = 0; b < encoded.Length; b++)
            {
                if (pick < encoded[b].Length - 2)
                {
                    Corrupt(ids, labels, b * length + 1 + pick, random);
                    break;
                }
                pick -= encoded[b].Length - 2;
            }
            chosen = 1;
        }
        long[] shape = [encoded.Length, length];
        return new MaskedBatch(
            tensor(ids, shape, dtype: ScalarType.Int64, device: device),
            tensor(attention, shape, dtype: ScalarType.Int64, device: device),
            tensor(labels, shape, dtype: ScalarType.Int64, device: device),
            chosen, tokens);
    }

    private void Corrupt(long[] ids, long[] labels, int index, SeededRandom random)
    {
        labels[index] = ids[index];
        var u = random.NextDouble();
        if (u < MaskShare) ids[index] = _tokenizer.MaskId;
        else if (u < MaskShare + RandomShare) ids[index] = _residueIds[random.Next(_residueIds.Length)];
    }

    /// <summary>Mean cross-entropy over the chosen positions, a scalar.</summary>
    /// <param name="logits">[B, T, V].</param>
    /// <param name="labels">[B, T], <see cref="IgnoreIndex"/> where nothing was chosen.</param>
    public static Tensor Loss(Tensor logits, Tensor labels) => CrossEntropy(logits, labels, nn.Reduction.Mean);

    /// <summary>The summed cross-entropy over the chosen positions (for perplexity over many batches).</summary>
    public static Tensor SummedLoss(Tensor logits, Tensor labels) => CrossEntropy(logits, labels, nn.Reduction.Sum);

    private static Tensor CrossEntropy(Tensor logits, Tensor labels, nn.Reduction reduction)
    {
        using var scope = NewDisposeScope();
        var vocabulary = logits.shape[^1];
        var loss = nn.functional.cross_entropy(logits.reshape(-1, vocabulary), labels.reshape(-1), ignore_index: IgnoreIndex, reduction: reduction);
        return loss.MoveToOuterDisposeScope();
    }
}
