using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace BiDoRA.Workbench.Cli;

/// <summary>
/// Reads sequences for the command-line verbs from FASTA, from CSV/TSV with a sequence column, or from plain text
/// with one sequence per line. The format is recognised from the content (and the .csv/.tsv extension).
/// </summary>
internal static class SequenceInputReader
{
    private static readonly string[] SequenceColumns = ["sequence", "seq", "sequences", "protein_sequence", "aa_sequence", "aa_seq", "protein"];
    private static readonly string[] IdColumns = ["id", "name", "identifier", "accession", "protein_id", "seq_id", "sequence_id"];

    /// <exception cref="InvalidDataException">The file holds no sequences, a record is empty, or no sequence column is found; the message names the file and place.</exception>
    public static IReadOnlyList<SequenceInput> Read(string path)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"Input file not found: {fullPath}", fullPath);
        }
        var lines = File.ReadAllLines(fullPath);
        var firstLine = lines.FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "";
        var extension = Path.GetExtension(fullPath).ToLowerInvariant();
        IReadOnlyList<SequenceInput> result;
        if (firstLine.StartsWith('>'))
        {
            result = ReadFasta(fullPath, lines);
        }
        else if (extension is ".csv" or ".tsv" || firstLine.Contains(',') || firstLine.Contains('\t'))
        {
            var delimiter = extension == ".tsv" || (firstLine.Contains('\t') && !firstLine.Contains(',')) ? "\t" : ",";
            result = ReadTable(fullPath, delimiter);
        }
        else
        {
            result = ReadLines(fullPath, lines);
        }
        if (result.Count == 0)
        {
            throw new InvalidDataException($"{fullPath}: no sequences found.");
        }
        return result;
    }

    private static List<SequenceInput> ReadFasta(string path, string[] lines)
    {
        var result = new List<SequenceInput>();
        string? id = null;
        var headerLine = 0;
        var sequence = new System.Text.StringBuilder();
        void Flush()
        {
            if (id is null)
            {
                return;
            }
            if (sequence.Length == 0)
            {
                throw new InvalidDataException($"{path}, line {headerLine}: record '{id}' has no sequence.");
            }
            result.Add(new SequenceInput(id, sequence.ToString(), $"{path}, record '{id}' (line {headerLine})"));
            sequence.Clear();
        }
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.StartsWith('>'))
            {
                Flush();
                headerLine = i + 1;
                var header = line[1..].Trim();
                id = header.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? $"seq{result.Count + 1}";
            }
            else if (line.Length > 0)
            {
                if (id is null)
                {
                    throw new InvalidDataException($"{path}, line {i + 1}: sequence text before the first '>' header.");
                }
                sequence.Append(line);
            }
        }
        Flush();
        return result;
    }

    private static List<SequenceInput> ReadTable(string path, string delimiter)
    {
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            Delimiter = delimiter,
            TrimOptions = TrimOptions.Trim,
            MissingFieldFound = null,
        };
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, configuration);
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { } headers)
        {
            throw new InvalidDataException($"{path}: no header row.");
        }
        var normalised = headers.Select(h => h.Trim().ToLowerInvariant()).ToList();
        var sequenceColumn = SequenceColumns.Select(c => normalised.IndexOf(c)).FirstOrDefault(i => i >= 0, -1);
        if (sequenceColumn < 0)
        {
            throw new InvalidDataException(
                $"{path}: no sequence column. Name one of: {string.Join(", ", SequenceColumns)}; the header has: {string.Join(", ", headers)}.");
        }
        var idColumn = IdColumns.Select(c => normalised.IndexOf(c)).FirstOrDefault(i => i >= 0, -1);
        var result = new List<SequenceInput>();
        while (csv.Read())
        {
            var row = csv.Parser.Row;
            var sequence = csv.GetField(sequenceColumn)?.Trim() ?? "";
            var id = idColumn >= 0 ? csv.GetField(idColumn)?.Trim() : null;
            if (sequence.Length == 0)
            {
                if (csv.Parser.Record?.All(string.IsNullOrWhiteSpace) == true)
                {
                    continue;
                }
                throw new InvalidDataException($"{path}, row {row}, column '{headers[sequenceColumn]}': the sequence is empty.");
            }
            id = string.IsNullOrEmpty(id) ? $"row{row}" : id;
            result.Add(new SequenceInput(id, sequence, $"{path}, row {row} (id '{id}'), column '{headers[sequenceColumn]}'"));
        }
        return result;
    }

    private static List<SequenceInput> ReadLines(string path, string[] lines)
    {
        var result = new List<SequenceInput>();
        for (var i = 0; i < lines.Length; i++)
        {
            var sequence = lines[i].Trim();
            if (sequence.Length > 0)
            {
                result.Add(new SequenceInput($"seq{result.Count + 1}", sequence, $"{path}, line {i + 1}"));
            }
        }
        return result;
    }
}
