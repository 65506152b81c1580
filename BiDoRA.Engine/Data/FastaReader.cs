using System.Text;

namespace BiDoRA.Engine.Data;

/// <summary>
/// FASTA with the label in the header: <c>&gt;id|label=1</c>, <c>&gt;id label=1</c>, or the last '|'-separated field
/// (<c>&gt;sp|P26918|BLAB_AERHY|0</c>). Multi-line sequences are joined. Columns: id, sequence, label.
/// </summary>
internal static class FastaReader
{
    public static readonly IReadOnlyList<string> Columns = ["id", "sequence", "label"];

    /// <summary>The format name of a file of bare sequences, one per line.</summary>
    public const string LinesFormat = "lines";

    public static RawTable Read(Stream stream) =>
        new("fasta", Columns, Records(new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true)));

    /// <summary>One sequence per line, no header: each line is a row of its own.</summary>
    public static RawTable ReadLines(Stream stream) =>
        new(LinesFormat, Columns, Records(new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true)));

    /// <summary>
    /// A file of bare sequences rather than a table: its first line is one word of letters (and '*'), holds no
    /// delimiter and is no column name such as "sequence".
    /// </summary>
    public static bool LooksLikePlainLines(string sample)
    {
        var first = sample.TrimStart().Split('\n', 2)[0].Trim();
        return first.Length > 0
               && first.All(c => char.IsAsciiLetter(c) || c == '*')
               && !ColumnNames.Contains(first, StringComparer.OrdinalIgnoreCase);
    }

    private static readonly string[] ColumnNames = ["sequence", "sequences", "seq", "peptide", "protein", "aa_seq", "id", "name"];

    private static IEnumerable<RawRow> Records(StreamReader reader)
    {
        using (reader)
        {
            foreach (var (line, header, sequence) in Scan(reader))
            {
                yield return header is null ? new RawRow(line, [null, sequence, null]) : Record(header, line, sequence);
            }
        }
    }

    /// <summary>
    /// The records of a FASTA text: each header (without '&gt;') with its line and the sequence lines under it joined;
    /// ';' comment lines are skipped. A line before the first header comes as a record of its own with no header.
    /// </summary>
    internal static IEnumerable<(int Line, string? Header, string Sequence)> Scan(TextReader reader)
    {
        string? header = null;
        var headerLine = 0;
        var sequence = new StringBuilder();
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.StartsWith('>'))
            {
                if (header != null) yield return (headerLine, header, sequence.ToString());
                header = line[1..].Trim();
                headerLine = lineNumber;
                sequence.Clear();
            }
            else if (line.StartsWith(';'))
            {
                // FASTA comment line.
            }
            else if (header != null)
            {
                sequence.Append(line.Trim());
            }
            else if (line.Trim().Length > 0)
            {
                yield return (lineNumber, null, line.Trim());
            }
        }
        if (header != null) yield return (headerLine, header, sequence.ToString());
    }

    private static RawRow Record(string header, int line, string sequence)
    {
        var (id, label) = ParseHeader(header);
        return new RawRow(line, [id, sequence, label]);
    }

    internal static (string Id, string? Label) ParseHeader(string header)
    {
        var labelAt = header.IndexOf("label=", StringComparison.OrdinalIgnoreCase);
        if (labelAt >= 0)
        {
            var value = header[(labelAt + 6)..];
            var end = value.IndexOfAny([' ', '\t', '|', ';', ',']);
            var label = end >= 0 ? value[..end] : value;
            var id = header[..labelAt].TrimEnd(' ', '\t', '|', ';', ',');
            return (id.Length > 0 ? FirstToken(id) : "", label);
        }
        var parts = header.Split('|');
        if (parts.Length >= 2)
        {
            var last = parts[^1].Trim();
            if (last.Length is > 0 and <= 32 && !last.Contains(' '))
            {
                return (string.Join('|', parts[..^1]), last);
            }
        }
        return (FirstToken(header), null);
    }

    private static string FirstToken(string s)
    {
        var end = s.IndexOfAny([' ', '\t']);
        return end >= 0 ? s[..end] : s;
    }
}
