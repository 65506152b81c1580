namespace BiDoRA.Engine.Data;

/// <summary>Normalises a sequence as users write them and finds characters ESM-2 cannot read.</summary>
public static class SequenceNormalizer
{
    /// <summary>The 20 standard amino acids plus X, B, U, Z, O, which ESM-2's alphabet has.</summary>
    public const string Residues = "ACDEFGHIKLMNPQRSTVWYXBUZO";

    private static readonly bool[] IsResidueTable = Build();

    public static bool IsResidue(char c) => c < 128 && IsResidueTable[c];

    /// <summary>Trim, remove white space inside, upper-case, drop one trailing stop '*'.</summary>
    public static string Normalise(string raw)
    {
        Span<char> buffer = raw.Length <= 4096 ? stackalloc char[raw.Length] : new char[raw.Length];
        var n = 0;
        foreach (var c in raw)
        {
            if (!char.IsWhiteSpace(c)) buffer[n++] = char.ToUpperInvariant(c);
        }
        if (n > 0 && buffer[n - 1] == '*') n--;
        // Most rows are already clean: keep the one string instead of a copy per row of a large file.
        return n == raw.Length && buffer[..n].SequenceEqual(raw) ? raw : new string(buffer[..n]);
    }

    /// <summary>The first character that is not a residue letter, with its 1-based position, and how many there are.</summary>
    public static (int Position, char Character, int Count)? FirstInvalid(string normalised)
    {
        int first = -1, count = 0;
        for (var i = 0; i < normalised.Length; i++)
        {
            if (IsResidue(normalised[i])) continue;
            count++;
            if (first < 0) first = i;
        }
        return first < 0 ? null : (first + 1, normalised[first], count);
    }

    private static bool[] Build()
    {
        var table = new bool[128];
        foreach (var c in Residues) table[c] = true;
        return table;
    }
}
