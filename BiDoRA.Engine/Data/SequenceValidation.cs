using BiDoRA.Engine.Esm;

namespace BiDoRA.Engine.Data;

/// <summary>What is wrong with one typed sequence, position by position (for validation as you type).</summary>
/// <param name="Length">Residues after normalisation (white space and a trailing '*' removed).</param>
/// <param name="Invalid">The characters that are not amino-acid letters (the first <see cref="MaxListed"/>).</param>
/// <param name="InvalidCount">All of them, listed or not.</param>
public sealed record SequenceValidation(int Length, IReadOnlyList<InvalidResidue> Invalid, int InvalidCount)
{
    public const int MaxListed = 200;

    public bool IsValid => Length > 0 && InvalidCount == 0;

    /// <summary>Longer than ESM-2 takes: only the first 1022 residues are used.</summary>
    public bool Truncated => Length > EsmTokenizer.MaxResidues;

    /// <summary>1-based residue position of the first bad character; null when there is none.</summary>
    public int? Position => InvalidCount > 0 ? Invalid[0].Position : null;

    /// <summary>The problem in one sentence, without its position; null when the sequence is fine.</summary>
    public string? Problem => Length == 0
        ? "The sequence is empty."
        : InvalidCount > 0
            ? $"'{Invalid[0].Character}' is not an amino-acid letter{(InvalidCount > 1 ? $" ({InvalidCount} such characters)" : "")}. Allowed: {SequenceNormalizer.Residues}."
            : null;

    /// <summary>The problem with its position ("Position 5: 'J' is not …"); null when the sequence is fine.</summary>
    public string? Message => Position is { } p ? $"Position {p}: {Problem}" : Problem;

    public static SequenceValidation Of(string? sequence)
    {
        sequence ??= "";
        // A trailing stop '*' is dropped, as the importer and predictor do.
        var last = sequence.Length - 1;
        while (last >= 0 && char.IsWhiteSpace(sequence[last])) last--;
        var end = last >= 0 && sequence[last] == '*' ? last : last + 1;

        var invalid = new List<InvalidResidue>();
        int length = 0, count = 0;
        for (var i = 0; i < end; i++)
        {
            var c = sequence[i];
            if (char.IsWhiteSpace(c)) continue;
            length++;
            if (SequenceNormalizer.IsResidue(char.ToUpperInvariant(c))) continue;
            count++;
            if (invalid.Count < MaxListed) invalid.Add(new InvalidResidue(length, i, c));
        }
        return new SequenceValidation(length, invalid, count);
    }
}
