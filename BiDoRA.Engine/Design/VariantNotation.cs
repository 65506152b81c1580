using System.Globalization;
using BiDoRA.Engine.Data;

namespace BiDoRA.Engine.Design;

/// <summary>
/// Reads variants in the usual notation: <c>A23G</c> (wild-type letter, 1-based position, new letter), several joined
/// by <c>:</c> as ProteinGym writes them (<c>A23G:K45R</c>); <c>WT</c> or an empty string is the wild type itself.
/// </summary>
public static class VariantNotation
{
    /// <exception cref="VariantFormatException">Malformed, out of range, a wild-type letter that does not match, or a position given twice; the message names the variant.</exception>
    public static Variant Parse(string text, string wildType)
    {
        ArgumentNullException.ThrowIfNull(wildType);
        var trimmed = (text ?? "").Trim();
        if (trimmed.Length == 0 || trimmed.Equals("WT", StringComparison.OrdinalIgnoreCase) || trimmed == "_wt") return new Variant([]);
        var substitutions = new List<Substitution>();
        foreach (var raw in trimmed.Split(':'))
        {
            var part = raw.Trim();
            if (part.Length < 3 || !char.IsAsciiLetter(part[0]) || !char.IsAsciiLetter(part[^1])
                || !int.TryParse(part.AsSpan(1, part.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var position))
            {
                throw new VariantFormatException($"Variant '{trimmed}': '{part}' is not a substitution; write wild-type letter, 1-based position, new letter (e.g. A23G), several joined by ':'.");
            }
            var from = char.ToUpperInvariant(part[0]);
            var to = char.ToUpperInvariant(part[^1]);
            if (position < 1 || position > wildType.Length)
                throw new VariantFormatException($"Variant '{trimmed}': position {position} is outside the wild type (1–{wildType.Length}).");
            if (wildType[position - 1] != from)
                throw new VariantFormatException($"Variant '{trimmed}': the wild type has '{wildType[position - 1]}' at position {position}, not '{from}'.");
            if (!SequenceNormalizer.IsResidue(to))
                throw new VariantFormatException($"Variant '{trimmed}': '{to}' is not an amino-acid letter. Allowed: {SequenceNormalizer.Residues}.");
            if (substitutions.Any(s => s.Position == position))
                throw new VariantFormatException($"Variant '{trimmed}': position {position} is substituted twice.");
            substitutions.Add(new Substitution(position, from, to));
        }
        return new Variant(substitutions);
    }
}
