using System.Globalization;

namespace BiDoRA.Engine.Design;

/// <summary>
/// Which substitutions a scan or a design round may make: positions kept fixed, and the residues allowed at chosen
/// positions (all 20 standard residues elsewhere). Positions are 1-based.
/// </summary>
public sealed class MutationConstraints
{
    public static MutationConstraints None { get; } = new();

    public IReadOnlySet<int> FixedPositions { get; init; } = new HashSet<int>();

    /// <summary>Position → residues allowed there (upper case).</summary>
    public IReadOnlyDictionary<int, string> AllowedResidues { get; init; } = new Dictionary<int, string>();

    /// <summary>The residues a position may take other than its wild type (in <see cref="ZeroShotScorer.StandardResidues"/> order).</summary>
    public IEnumerable<char> Choices(int position, char wildType)
    {
        if (FixedPositions.Contains(position)) yield break;
        var allowed = AllowedResidues.TryGetValue(position, out var a) ? a : ZeroShotScorer.StandardResidues;
        foreach (var r in ZeroShotScorer.StandardResidues)
        {
            if (r != wildType && allowed.Contains(r)) yield return r;
        }
    }

    public bool Allows(Substitution s) => Choices(s.Position, s.From).Contains(s.To);

    /// <summary>A stable text of the constraints, for cache keys and reports.</summary>
    public string Key => $"fixed={string.Join(',', FixedPositions.Order())};allowed={string.Join(';', AllowedResidues.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}:{kv.Value}"))}";

    /// <summary>
    /// Reads <c>1,5-7</c> (fixed positions and ranges) and <c>3:AG;10:KR</c> (allowed residues per position), checking them
    /// against a wild type of <paramref name="length"/> residues.
    /// </summary>
    /// <exception cref="FormatException">A malformed part, a position outside 1–length, or a letter that is not a standard residue; the message names it.</exception>
    public static MutationConstraints Parse(string? fixedPositions, string? allowedResidues, int length)
    {
        var fixedSet = new HashSet<int>();
        foreach (var part in (fixedPositions ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries))
        {
            var range = part.Split('-');
            if (range.Length is < 1 or > 2 || !range.All(r => int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                throw new FormatException($"Fixed positions: '{part}' is not a position or a range (e.g. 5 or 5-9).");
            var from = int.Parse(range[0], CultureInfo.InvariantCulture);
            var to = int.Parse(range[^1], CultureInfo.InvariantCulture);
            if (from > to) (from, to) = (to, from);
            if (from < 1 || to > length) throw new FormatException($"Fixed positions: '{part}' is outside the sequence (1–{length}).");
            for (var p = from; p <= to; p++) fixedSet.Add(p);
        }
        var allowed = new Dictionary<int, string>();
        foreach (var part in (allowedResidues ?? "").Split([';', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            var pieces = part.Split(':', '=');
            if (pieces.Length != 2 || !int.TryParse(pieces[0], NumberStyles.None, CultureInfo.InvariantCulture, out var position) || pieces[1].Trim().Length == 0)
                throw new FormatException($"Allowed residues: '{part}' is not position:letters (e.g. 12:AGS).");
            if (position < 1 || position > length) throw new FormatException($"Allowed residues: position {position} is outside the sequence (1–{length}).");
            var letters = pieces[1].Trim().ToUpperInvariant();
            if (letters.FirstOrDefault(c => !ZeroShotScorer.StandardResidues.Contains(c)) is var bad and not '\0')
                throw new FormatException($"Allowed residues at {position}: '{bad}' is not one of the 20 standard residues.");
            allowed[position] = new string(letters.Distinct().ToArray());
        }
        return new MutationConstraints { FixedPositions = fixedSet, AllowedResidues = allowed };
    }
}
