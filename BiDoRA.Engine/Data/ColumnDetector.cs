namespace BiDoRA.Engine.Data;

/// <summary>Finds the sequence, label, id and split columns by name, then by content; a user's choice always wins.</summary>
internal static class ColumnDetector
{
    private static readonly string[] SequenceNames = ["sequence", "seq", "sequences", "peptide", "peptides", "protein", "aa_seq", "aa_sequence", "aaseq", "protein_sequence", "peptide_sequence", "amino_acid_sequence"];
    private static readonly string[] LabelNames = ["label", "labels", "class", "target", "y", "activity", "value", "mic", "log_mic", "score", "fitness", "tm", "stability", "output", "category"];
    private static readonly string[] IdNames = ["id", "name", "identifier", "accession", "entry", "seq_id", "sequence_id", "peptide_id", "protein_id"];
    private static readonly string[] SplitNames = ["split", "set", "subset", "partition", "fold"];

    /// <returns>Column indices (label, id, split may be −1), or an error message naming the missing column.</returns>
    public static (int Sequence, int Label, int Id, int Split, string? Error) Detect(IReadOnlyList<string> columns, IReadOnlyList<RawRow> sample, ImportOptions options)
    {
        var available = $"Columns found: {string.Join(", ", columns.Select(c => $"'{c}'"))}.";
        int Named(string? chosen, string role, out string? error)
        {
            error = null;
            if (chosen is null) return -1;
            var index = IndexOf(columns, chosen);
            if (index < 0) error = $"The {role} column '{chosen}' is not in the file. {available}";
            return index;
        }
        var sequence = Named(options.SequenceColumn, "sequence", out var e1);
        var label = Named(options.LabelColumn, "label", out var e2);
        var id = Named(options.IdColumn, "id", out var e3);
        var split = Named(options.SplitColumn, "split", out var e4);
        if ((e1 ?? e2 ?? e3 ?? e4) is { } error) return (-1, -1, -1, -1, error);

        if (sequence < 0) sequence = ByName(columns, SequenceNames);
        if (sequence < 0) sequence = ByContent(columns, sample);
        if (sequence < 0) return (-1, -1, -1, -1, $"No sequence column: name one 'sequence' (or seq, peptide, protein) or choose it. {available}");
        if (id < 0) id = ByName(columns, IdNames, except: sequence);
        if (split < 0) split = ByName(columns, SplitNames, except: sequence);
        if (label < 0) label = ByName(columns, LabelNames, except: sequence);
        if (label < 0)
        {
            // A single remaining column is the label.
            var rest = Enumerable.Range(0, columns.Count).Where(i => i != sequence && i != id && i != split).ToList();
            if (rest.Count == 1) label = rest[0];
        }
        return (sequence, label, id, split, null);
    }

    /// <summary>The sequence column by its name alone (sequence, seq, peptide, protein, ...), or −1.</summary>
    public static int SequenceByName(IReadOnlyList<string> columns) => ByName(columns, SequenceNames);

    /// <summary>The id column by its name alone (id, name, accession, ...), never <paramref name="sequence"/>; or −1.</summary>
    public static int IdByName(IReadOnlyList<string> columns, int sequence) => ByName(columns, IdNames, except: sequence);

    /// <summary>True when <paramref name="text"/> is one of the sequence column's names (a header line over bare sequences).</summary>
    public static bool IsSequenceName(string text) => SequenceNames.Contains(Normalise(text), StringComparer.Ordinal);

    private static int IndexOf(IReadOnlyList<string> columns, string name)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            if (string.Equals(columns[i].Trim(), name.Trim(), StringComparison.OrdinalIgnoreCase)) return i;
        }
        return -1;
    }

    private static int ByName(IReadOnlyList<string> columns, string[] names, int except = -1)
    {
        foreach (var name in names)
        {
            for (var i = 0; i < columns.Count; i++)
            {
                if (i != except && string.Equals(Normalise(columns[i]), name, StringComparison.Ordinal)) return i;
            }
        }
        return -1;
    }

    private static string Normalise(string column) => column.Trim().ToLowerInvariant().Replace(' ', '_').Replace('-', '_');

    /// <summary>The column whose values look most like amino-acid strings.</summary>
    private static int ByContent(IReadOnlyList<string> columns, IReadOnlyList<RawRow> sample)
    {
        var best = -1;
        var bestScore = 0.8;
        for (var i = 0; i < columns.Count; i++)
        {
            var values = sample.Select(r => i < r.Fields.Length ? r.Fields[i]?.Trim() : null).Where(v => !string.IsNullOrEmpty(v)).ToList();
            if (values.Count == 0 || values.Average(v => v!.Length) < 3) continue;
            var score = values.Count(v => v!.All(c => SequenceNormalizer.IsResidue(char.ToUpperInvariant(c)) || char.IsWhiteSpace(c))) / (double)values.Count;
            if (score > bestScore) (best, bestScore) = (i, score);
        }
        return best;
    }
}
