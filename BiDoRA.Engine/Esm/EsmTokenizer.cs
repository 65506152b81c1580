using BiDoRA.Engine.Runtime;
using TorchSharp;

namespace BiDoRA.Engine.Esm;

/// <summary>
/// ESM-2's tokenizer over a Hugging Face <c>vocab.txt</c> (id = line number): <c>&lt;cls&gt;</c>, one token per
/// residue letter, <c>&lt;eos&gt;</c>. Lower case is accepted; <c>&lt;mask&gt;</c> written inline is one token; the rare
/// letters X, B, U, Z, O are ordinary tokens. Any other character is rejected with its position.
/// </summary>
public sealed class EsmTokenizer
{
    /// <summary>The most residues ESM-2 was trained on (1024 positions less <c>&lt;cls&gt;</c> and <c>&lt;eos&gt;</c>).</summary>
    public const int MaxResidues = 1022;

    public const string MaskText = "<mask>";

    /// <summary>ESM-2's vocabulary in the order of the released checkpoints' <c>vocab.txt</c>.</summary>
    public static IReadOnlyList<string> Esm2Vocabulary { get; } =
    [
        "<cls>", "<pad>", "<eos>", "<unk>",
        "L", "A", "G", "V", "S", "E", "R", "T", "I", "D", "P", "K", "Q", "N", "F", "Y", "M", "H", "W", "C",
        "X", "B", "U", "Z", "O", ".", "-", "<null_1>", "<mask>",
    ];

    public static EsmTokenizer Esm2 { get; } = new(Esm2Vocabulary);

    private readonly int[] _letterIds = new int[26];

    /// <exception cref="ArgumentException">A special token is missing or a token appears twice.</exception>
    public EsmTokenizer(IReadOnlyList<string> vocabulary)
    {
        Vocabulary = vocabulary.ToArray();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Vocabulary.Count; i++)
        {
            if (!ids.TryAdd(Vocabulary[i], i))
            {
                throw new ArgumentException($"Token '{Vocabulary[i]}' appears twice in the vocabulary (ids {ids[Vocabulary[i]]} and {i}).", nameof(vocabulary));
            }
        }
        int Special(string token) => ids.TryGetValue(token, out var id)
            ? id
            : throw new ArgumentException($"The vocabulary lacks the special token {token}.", nameof(vocabulary));
        ClsId = Special("<cls>");
        PadId = Special("<pad>");
        EosId = Special("<eos>");
        UnkId = Special("<unk>");
        MaskId = Special(MaskText);
        for (var c = 'A'; c <= 'Z'; c++)
        {
            _letterIds[c - 'A'] = ids.TryGetValue(c.ToString(), out var id) ? id : -1;
        }
    }

    public IReadOnlyList<string> Vocabulary { get; }

    public int VocabSize => Vocabulary.Count;

    public int ClsId { get; }

    public int PadId { get; }

    public int EosId { get; }

    public int UnkId { get; }

    public int MaskId { get; }

    /// <summary>Reads <c>vocab.txt</c>: one token per line, no newline after the last line required.</summary>
    /// <exception cref="Checkpoints.CheckpointFormatException">Empty lines, duplicates or missing special tokens.</exception>
    public static EsmTokenizer FromVocabFile(string path)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"Vocabulary not found: {fullPath}", fullPath);
        }
        var lines = File.ReadAllText(fullPath).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').ToList();
        if (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }
        var empty = lines.FindIndex(l => l.Trim().Length == 0);
        if (empty >= 0)
        {
            throw new Checkpoints.CheckpointFormatException(fullPath, $"line {empty + 1} is empty; every line must hold one token.");
        }
        try
        {
            return new EsmTokenizer(lines.Select(l => l.Trim()).ToArray());
        }
        catch (ArgumentException e)
        {
            throw new Checkpoints.CheckpointFormatException(fullPath, e.Message, e);
        }
    }

    /// <summary>Token ids of one sequence, <c>&lt;cls&gt;</c> and <c>&lt;eos&gt;</c> included.</summary>
    /// <param name="sequence">Residue letters, any case, with <c>&lt;mask&gt;</c> allowed inline.</param>
    /// <param name="maxResidues">When given, longer sequences are cut to their first <paramref name="maxResidues"/> residues.</param>
    /// <exception cref="SequenceFormatException">A character that is not a residue letter, with its 1-based position.</exception>
    public int[] Encode(string sequence, int? maxResidues = null)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        var residues = EncodeResidues(sequence);
        if (maxResidues is { } max && residues.Count > max)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max, nameof(maxResidues));
            residues.RemoveRange(max, residues.Count - max);
        }
        var ids = new int[residues.Count + 2];
        ids[0] = ClsId;
        residues.CopyTo(ids, 1);
        ids[^1] = EosId;
        return ids;
    }

    private List<int> EncodeResidues(string sequence)
    {
        if (sequence.Length == 0)
        {
            throw new SequenceFormatException("The sequence is empty.", 0, '\0');
        }
        var ids = new List<int>(sequence.Length);
        for (var i = 0; i < sequence.Length; i++)
        {
            var c = sequence[i];
            if (c == '<' && string.CompareOrdinal(sequence, i, MaskText, 0, MaskText.Length) == 0)
            {
                ids.Add(MaskId);
                i += MaskText.Length - 1;
                continue;
            }
            var upper = c is >= 'a' and <= 'z' ? (char)(c - 32) : c;
            var id = upper is >= 'A' and <= 'Z' ? _letterIds[upper - 'A'] : -1;
            if (id < 0)
            {
                throw new SequenceFormatException(Describe(c, i + 1), i + 1, c);
            }
            ids.Add(id);
        }
        return ids;
    }

    private static string Describe(char c, int position)
    {
        var shown = char.IsControl(c) || char.IsWhiteSpace(c) ? $"U+{(int)c:X4}" : $"'{c}'";
        var hint = c switch
        {
            '*' => " (a stop codon: remove it)",
            '-' or '.' => " (an alignment gap: give the unaligned sequence)",
            '<' => $" (only {MaskText} may be written inline)",
            _ when char.IsWhiteSpace(c) => " (white space inside the sequence)",
            _ => "",
        };
        return $"Character {shown} at position {position} is not an amino-acid letter{hint}. Allowed: the 20 standard letters, X, B, U, Z, O (any case) and {MaskText}.";
    }

    /// <summary>
    /// Encodes and right-pads <paramref name="sequences"/> with <c>&lt;pad&gt;</c> to the longest.
    /// </summary>
    /// <exception cref="SequenceFormatException">A sequence holds an invalid character; the message names the sequence's 1-based index.</exception>
    public EsmBatch EncodeBatch(IReadOnlyList<string> sequences, int? maxResidues = null, torch.Device? device = null)
    {
        if (sequences.Count == 0)
        {
            throw new ArgumentException("A batch needs at least one sequence.", nameof(sequences));
        }
        var encoded = new int[sequences.Count][];
        for (var b = 0; b < sequences.Count; b++)
        {
            try
            {
                encoded[b] = Encode(sequences[b], maxResidues);
            }
            catch (SequenceFormatException e)
            {
                throw new SequenceFormatException($"Sequence {b + 1}: {e.Message}", e.Position, e.Character, b);
            }
        }
        var length = encoded.Max(e => e.Length);
        var ids = new long[sequences.Count * length];
        var mask = new long[sequences.Count * length];
        for (var b = 0; b < encoded.Length; b++)
        {
            var row = b * length;
            for (var t = 0; t < length; t++)
            {
                var real = t < encoded[b].Length;
                ids[row + t] = real ? encoded[b][t] : PadId;
                mask[row + t] = real ? 1 : 0;
            }
        }
        var shape = new long[] { sequences.Count, length };
        TorchRuntime.EnsureInitialised();
        var inputIds = torch.tensor(ids, shape, dtype: torch.int64, device: device);
        var attentionMask = torch.tensor(mask, shape, dtype: torch.int64, device: device);
        return new EsmBatch(inputIds, attentionMask, encoded.Select(e => e.Length).ToArray(), encoded.Select(e => e.Length - 2).ToArray());
    }

    /// <summary>The text of token ids (special tokens written as themselves).</summary>
    public string Decode(IEnumerable<long> ids) => string.Concat(ids.Select(id => Vocabulary[checked((int)id)]));
}
