using System.Globalization;
using System.Text;
using BiDoRA.Engine.Data;
using CsvHelper;
using CsvHelper.Configuration;

namespace BiDoRA.Workbench.Services.Predictions;

/// <summary>
/// Reads sequences to predict: pasted text (FASTA, or one sequence per line) and uploaded files (the same, CSV/TSV
/// with a sequence column, or the first sheet of an .xlsx workbook). Every sequence is checked as it is read; each
/// problem names its line or row, and the position of a bad residue. Labels in a file are ignored, and duplicates
/// are kept: one prediction per input.
/// </summary>
internal static class SequenceSourceReader
{
    public const int MaxIssues = 300;

    private const int SniffBytes = 64 * 1024;

    private static readonly string[] SequenceColumns = ["sequence", "seq", "sequences", "peptide", "peptides", "protein", "aa_seq", "aa_sequence", "aaseq", "protein_sequence", "peptide_sequence", "amino_acid_sequence"];
    private static readonly string[] IdColumns = ["id", "name", "identifier", "accession", "entry", "seq_id", "sequence_id", "peptide_id", "protein_id"];

    /// <summary>FASTA, or one sequence per line (a first line that only names the column is skipped).</summary>
    public static ParsedSequences ParseText(string? text, int maxSequences)
    {
        var collector = new Collector(maxSequences);
        ReadLines(new StringReader(text ?? ""), null, collector);
        return collector.Finish(null);
    }

    /// <summary>An uploaded file: FASTA, CSV/TSV or an .xlsx workbook with a sequence column, or one sequence per line.</summary>
    public static ParsedSequences ReadFile(Stream seekable, string fileName, int maxSequences)
    {
        var collector = new Collector(maxSequences);
        var sample = new byte[SniffBytes];
        var length = seekable.ReadAtLeast(sample, sample.Length, throwOnEndOfStream: false);
        seekable.Position = 0;
        var bytes = sample.AsSpan(0, length);
        if (bytes.StartsWith("PK\u0003\u0004"u8))
        {
            ReadWorkbook(seekable, fileName, collector);
            return collector.Finish(fileName);
        }
        if (bytes.IndexOf((byte)0) >= 0 || !IsUtf8(bytes))
        {
            collector.Issue(new PredictionIssue(-1, null, fileName, "file", "This is not a text file (it holds binary bytes). Upload FASTA, CSV/TSV with a 'sequence' column, or one sequence per line."));
            return collector.Finish(fileName);
        }

        var text = new UTF8Encoding(false).GetString(bytes).TrimStart('\uFEFF');
        var first = text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
        using var reader = new StreamReader(seekable, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, 1 << 16, leaveOpen: true);
        if (!first.StartsWith('>') && Delimiter(first) is { } delimiter) ReadTable(reader, fileName, delimiter, collector);
        else ReadLines(reader, fileName, collector);
        return collector.Finish(fileName);
    }

    private static void ReadLines(TextReader reader, string? fileName, Collector collector)
    {
        string Where(int line) => fileName is null ? $"line {line}" : $"{fileName}, line {line}";
        bool? fasta = null;
        string? id = null;
        int lineNumber = 0, headerLine = 0;
        var sequence = new StringBuilder();
        bool Flush()
        {
            if (id is null) return true;
            var ok = sequence.Length == 0
                ? collector.Add(id, "", Where(headerLine), $"FASTA record '{id}' has no sequence under its header.")
                : collector.Add(id, sequence.ToString(), Where(headerLine));
            (id, _) = (null, sequence.Clear());
            return ok;
        }

        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            var text = (lineNumber == 1 ? line.TrimStart('\uFEFF') : line).Trim();
            if (text.Length == 0) continue;
            fasta ??= text.StartsWith('>');
            if (fasta == true)
            {
                if (text.StartsWith('>'))
                {
                    if (!Flush()) return;
                    headerLine = lineNumber;
                    var header = text[1..].Trim();
                    id = header.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? $"seq{collector.Count + 1}";
                }
                else
                {
                    sequence.Append(text);
                }
            }
            else
            {
                if (collector.Count == 0 && collector.IssueCount == 0 && IsColumnName(text, SequenceColumns)) continue;
                if (!collector.Add($"seq{collector.Count + 1}", text, Where(lineNumber))) return;
            }
        }
        Flush();
    }

    private static void ReadTable(TextReader reader, string fileName, char delimiter, Collector collector)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            Delimiter = delimiter.ToString(),
            HasHeaderRecord = true,
            MissingFieldFound = null,
            BadDataFound = null,
            DetectColumnCountChanges = false,
            TrimOptions = TrimOptions.Trim,
            IgnoreBlankLines = true,
        };
        using var csv = new CsvReader(reader, config);
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { Length: > 0 } header) return;
        var columns = header.Select(h => h.Trim().TrimStart('\uFEFF')).ToArray();
        var sequence = SequenceColumn(columns, fileName, "", collector);
        if (sequence < 0) return;
        IEnumerable<(int Row, IReadOnlyList<string?> Fields)> Records()
        {
            while (csv.Read()) yield return (csv.Parser.RawRow, csv.Parser.Record ?? []);
        }
        AddRows(columns, sequence, Records(), fileName, collector);
    }

    /// <summary>The first sheet of an .xlsx workbook, read like a CSV file with a header row.</summary>
    private static void ReadWorkbook(Stream stream, string fileName, Collector collector)
    {
        SpreadsheetRows sheet;
        try
        {
            sheet = SpreadsheetRows.Read(stream, fileName);
        }
        catch (DatasetImportException e)
        {
            collector.Issue(new PredictionIssue(-1, null, fileName, "file", e.Message + " Upload an .xlsx workbook, CSV/TSV with a 'sequence' column, or FASTA."));
            return;
        }
        var columns = sheet.Columns.ToArray();
        var sequence = SequenceColumn(columns, fileName, " in the first sheet", collector);
        if (sequence < 0) return;
        AddRows(columns, sequence, sheet.Rows, fileName, collector);
    }

    /// <summary>The sequence column by name (a lone column is taken as it), or -1 with the issue recorded.</summary>
    private static int SequenceColumn(string[] columns, string fileName, string where, Collector collector)
    {
        var sequence = IndexOf(columns, SequenceColumns);
        if (sequence < 0 && columns.Length == 1) sequence = 0;
        if (sequence < 0)
        {
            collector.Issue(new PredictionIssue(-1, null, $"{fileName}, row 1", "header",
                $"No sequence column{where}: name one 'sequence' (or seq, peptide, protein). Columns found: {string.Join(", ", columns.Select(c => $"'{c}'"))}."));
        }
        return sequence;
    }

    private static void AddRows(string[] columns, int sequence, IEnumerable<(int Row, IReadOnlyList<string?> Fields)> rows, string fileName, Collector collector)
    {
        var id = IndexOf(columns, IdColumns);
        foreach (var (row, record) in rows)
        {
            string Field(int i) => i >= 0 && i < record.Count ? (record[i] ?? "").Trim() : "";
            if (record.All(string.IsNullOrWhiteSpace)) continue;
            var rowId = Field(id);
            var name = rowId.Length > 0 ? rowId : $"row-{row}";
            var where = $"{fileName}, row {row}";
            var ok = Field(sequence).Length == 0
                ? collector.Add(name, "", where, $"The sequence (column '{columns[sequence]}') is empty.")
                : collector.Add(name, Field(sequence), where);
            if (!ok) return;
        }
    }

    /// <summary>Tab, ';' or ',' — whichever splits the header line most; null when none does (one column or plain lines).</summary>
    private static char? Delimiter(string headerLine)
    {
        char? best = null;
        var bestCount = 0;
        foreach (var c in new[] { '\t', ',', ';' })
        {
            var count = headerLine.Count(ch => ch == c);
            if (count > bestCount) (best, bestCount) = (c, count);
        }
        return best;
    }

    private static int IndexOf(IReadOnlyList<string> columns, string[] names)
    {
        foreach (var name in names)
        {
            for (var i = 0; i < columns.Count; i++)
            {
                if (IsColumnName(columns[i], [name])) return i;
            }
        }
        return -1;
    }

    private static bool IsColumnName(string text, string[] names) =>
        names.Contains(text.Trim().ToLowerInvariant().Replace(' ', '_').Replace('-', '_'), StringComparer.Ordinal);

    private static bool IsUtf8(ReadOnlySpan<byte> sample)
    {
        try
        {
            // A multi-byte character cut at the end of the sample is fine.
            new UTF8Encoding(false, throwOnInvalidBytes: true).GetDecoder().GetCharCount(sample, flush: false);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>Sequences and issues with their caps.</summary>
    private sealed class Collector(int maxSequences)
    {
        private readonly List<PredictionInput> _sequences = [];
        private readonly List<PredictionIssue> _issues = [];
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
            _sequences.Add(new PredictionInput(id, sequence, location));
            var check = SequenceValidation.Of(sequence);
            if (!check.IsValid) Issue(new PredictionIssue(index, id, location, "sequence", check.Length == 0 ? emptyMessage : check.Problem!, check.Position));
            return true;
        }

        public void Issue(PredictionIssue issue)
        {
            if (_issues.Count < MaxIssues) _issues.Add(issue);
            else _notShown++;
        }

        public ParsedSequences Finish(string? fileName)
        {
            if (_sequences.Count == 0 && IssueCount == 0)
            {
                Issue(new PredictionIssue(-1, null, fileName ?? "text", fileName is null ? "text" : "file",
                    "No sequences found: give FASTA (>id lines followed by the sequence), one sequence per line, or a CSV with a 'sequence' column."));
            }
            return new ParsedSequences(_sequences, _issues, _notShown, _tooMany);
        }
    }
}
