using System.Text;

namespace BiDoRA.Engine.Data;

/// <summary>
/// Reads sequences without labels, for prediction, embedding and scoring alike: pasted text (FASTA, or one sequence
/// per line) and files (the same, CSV/TSV with a sequence column, or the first sheet of an .xlsx workbook). Columns
/// are found as the dataset importer finds them (<see cref="ColumnDetector"/>); FASTA and workbooks go through
/// <see cref="FastaReader"/> and <see cref="ExcelReader"/>. Every sequence is checked as it is read; each problem
/// names its line or row, and the position of a bad residue. Labels are ignored and duplicates kept: one result
/// per input.
/// </summary>
public static class SequenceFileReader
{
    /// <summary>Problems listed in full; the rest are counted.</summary>
    public const int MaxIssues = 300;

    /// <summary>FASTA, or one sequence per line (a first line that only names the column is skipped).</summary>
    public static ParsedSequences ReadText(string? text, int maxSequences)
    {
        var collector = new Collector(maxSequences);
        ReadLines(new StringReader(text ?? ""), null, collector);
        return collector.Finish(null, null);
    }

    /// <summary>
    /// A file on disk, named in messages by its full path. Without <paramref name="checkResidues"/> only empty
    /// sequences are problems (the embedder's tokenizer also takes special tokens such as &lt;mask&gt;).
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static ParsedSequences Read(string path, int maxSequences = int.MaxValue, bool checkResidues = true)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"Input file not found: {full}", full);
        using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(stream, full, maxSequences, checkResidues);
    }

    /// <summary>An uploaded or opened file (a seekable stream): FASTA, CSV/TSV or an .xlsx workbook with a sequence column, or one sequence per line.</summary>
    public static ParsedSequences Read(Stream seekable, string fileName, int maxSequences, bool checkResidues = true)
    {
        var collector = new Collector(maxSequences, checkResidues);
        var sample = new byte[TextSniffer.SampleBytes];
        var length = seekable.ReadAtLeast(sample, sample.Length, throwOnEndOfStream: false);
        seekable.Position = 0;
        var bytes = sample.AsSpan(0, length);
        if (bytes.StartsWith("PK\u0003\u0004"u8)) return ReadWorkbook(seekable, fileName, collector);
        if (TextSniffer.LooksBinary(bytes))
        {
            collector.Issue(new SequenceIssue(-1, null, fileName, "file", "This is not a text file (it holds binary bytes). Upload FASTA, CSV/TSV with a 'sequence' column, or one sequence per line."));
            return collector.Finish(fileName, null);
        }

        var text = new UTF8Encoding(false).GetString(bytes).TrimStart('\uFEFF');
        var first = text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
        if (!first.StartsWith('>') && first.IndexOfAny(['\t', ',', ';']) >= 0)
        {
            var table = DelimitedReader.Read(seekable, fileName, text, _ => { });
            return ReadRows(table.Columns, table.Rows.Select(r => (r.Row, (IReadOnlyList<string?>)r.Fields)), fileName, "", collector);
        }
        using var reader = new StreamReader(seekable, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, 1 << 16, leaveOpen: true);
        ReadLines(reader, fileName, collector);
        return collector.Finish(fileName, null);
    }

    private static void ReadLines(TextReader source, string? fileName, Collector collector)
    {
        string Where(int line) => fileName is null ? $"line {line}" : $"{fileName}, line {line}";
        var reader = new TrimmedLines(source);
        var lines = new List<(int Line, string Text)>();
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lines.Add((reader.LineNumber, line));
            if (line.Length > 0) break;
        }
        var fasta = lines.Count > 0 && lines[^1].Text.StartsWith('>');
        var rest = new Replay(lines.Select(l => l.Text), reader);
        if (fasta)
        {
            foreach (var (line, header, sequence) in FastaReader.Scan(rest))
            {
                var id = header is null ? $"seq{collector.Count + 1}" : header.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? $"seq{collector.Count + 1}";
                var ok = sequence.Length == 0
                    ? collector.Add(id, "", Where(line), $"FASTA record '{id}' has no sequence under its header.")
                    : collector.Add(id, sequence, Where(line));
                if (!ok) return;
            }
            return;
        }
        var number = 0;
        for (var text = rest.ReadLine(); text is not null; text = rest.ReadLine())
        {
            number++;
            if (text.Length == 0) continue;
            if (collector.Count == 0 && collector.IssueCount == 0 && ColumnDetector.IsSequenceName(text)) continue;
            if (!collector.Add($"seq{collector.Count + 1}", text, Where(number))) return;
        }
    }

    /// <summary>The first sheet of an .xlsx workbook, read like a CSV file with a header row.</summary>
    private static ParsedSequences ReadWorkbook(Stream stream, string fileName, Collector collector)
    {
        SpreadsheetRows sheet;
        try
        {
            sheet = SpreadsheetRows.Read(stream, fileName);
        }
        catch (DatasetImportException e)
        {
            collector.Issue(new SequenceIssue(-1, null, fileName, "file", e.Message + " Upload an .xlsx workbook, CSV/TSV with a 'sequence' column, or FASTA."));
            return collector.Finish(fileName, null);
        }
        return ReadRows(sheet.Columns, sheet.Rows, fileName, " in the first sheet", collector);
    }

    private static ParsedSequences ReadRows(IReadOnlyList<string> columns, IEnumerable<(int Row, IReadOnlyList<string?> Fields)> rows, string fileName, string where, Collector collector)
    {
        if (columns.Count == 0) return collector.Finish(fileName, null);
        var sequence = ColumnDetector.SequenceByName(columns);
        if (sequence < 0 && columns.Count == 1) sequence = 0;
        if (sequence < 0)
        {
            collector.Issue(new SequenceIssue(-1, null, $"{fileName}, row 1", "header",
                $"No sequence column{where}: name one 'sequence' (or seq, peptide, protein). Columns found: {string.Join(", ", columns.Select(c => $"'{c}'"))}."));
            return collector.Finish(fileName, null);
        }
        var id = ColumnDetector.IdByName(columns, sequence);
        foreach (var (row, record) in rows)
        {
            string Field(int i) => i >= 0 && i < record.Count ? (record[i] ?? "").Trim() : "";
            if (record.All(string.IsNullOrWhiteSpace)) continue;
            var rowId = Field(id);
            var name = rowId.Length > 0 ? rowId : $"row-{row}";
            var location = $"{fileName}, row {row}";
            var ok = Field(sequence).Length == 0
                ? collector.Add(name, "", location, $"The sequence (column '{columns[sequence]}') is empty.")
                : collector.Add(name, Field(sequence), location);
            if (!ok) break;
        }
        return collector.Finish(fileName, columns[sequence]);
    }

    /// <summary>Lines trimmed (and a byte-order mark dropped), counted.</summary>
    private sealed class TrimmedLines(TextReader inner) : TextReader
    {
        public int LineNumber { get; private set; }

        public override string? ReadLine()
        {
            var line = inner.ReadLine();
            if (line is null) return null;
            LineNumber++;
            return (LineNumber == 1 ? line.TrimStart('\uFEFF') : line).Trim();
        }
    }

    /// <summary>Lines already read, then the rest of the reader.</summary>
    private sealed class Replay(IEnumerable<string> seen, TextReader rest) : TextReader
    {
        private readonly Queue<string> _seen = new(seen);

        public override string? ReadLine() => _seen.TryDequeue(out var line) ? line : rest.ReadLine();
    }

    /// <summary>Sequences and issues with their caps.</summary>
    private sealed class Collector(int maxSequences, bool checkResidues = true)
    {
        private readonly List<SequenceInput> _sequences = [];
        private readonly List<SequenceIssue> _issues = [];
        private int _notShown;
        private bool _tooMany;

        public int Count => _sequences.Count;

        public int IssueCount => _issues.Count + _notShown;

        /// <returns>False once there are more sequences than allowed: stop reading.</returns>
        public bool Add(string id, string sequence, string location, string emptyMessage = "The sequence is empty.")
        {
            if (_sequences.Count >= maxSequences)
            {
                _tooMany = true;
                return false;
            }
            var index = _sequences.Count;
            _sequences.Add(new SequenceInput(id, sequence, location));
            var check = SequenceValidation.Of(sequence);
            if (!checkResidues && check.Length > 0) return true;
            if (!check.IsValid) Issue(new SequenceIssue(index, id, location, "sequence", check.Length == 0 ? emptyMessage : check.Problem!, check.Position));
            return true;
        }

        public void Issue(SequenceIssue issue)
        {
            if (_issues.Count < MaxIssues) _issues.Add(issue);
            else _notShown++;
        }

        public ParsedSequences Finish(string? fileName, string? column)
        {
            if (_sequences.Count == 0 && IssueCount == 0)
            {
                Issue(new SequenceIssue(-1, null, fileName ?? "text", fileName is null ? "text" : "file",
                    "No sequences found: give FASTA (>id lines followed by the sequence), one sequence per line, or a CSV with a 'sequence' column."));
            }
            return new ParsedSequences(_sequences, _issues, _notShown, _tooMany, column);
        }
    }
}
