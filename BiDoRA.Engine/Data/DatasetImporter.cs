using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace BiDoRA.Engine.Data;

/// <summary>
/// Imports CSV, TSV, FASTA and Excel files of sequences and labels in one step: detects the format, columns and task,
/// normalises sequences, and reports every problem with file, row and field. Nothing is imported while errors
/// remain, unless <see cref="ImportOptions.DropInvalidRows"/> is set.
/// </summary>
public static class DatasetImporter
{
    private const int DetectionSample = 200;

    public static ImportResult Import(string path, ImportOptions? options = null, CancellationToken ct = default)
    {
        using var stream = OpenFile(path);
        return Import(stream, Path.GetFileName(path), options, ct);
    }

    public static ImportResult Import(Stream content, string fileName, ImportOptions? options = null, CancellationToken ct = default)
    {
        options ??= new ImportOptions();
        var log = new IssueLog(options.MaxReportedIssues);
        var table = new TableShape();
        var read = Read(content, fileName, options, null, log, ct, table);
        return read is null ? Refused(fileName, table.Format, log, columns: table.Columns) : Build(fileName, [read], options, log);
    }

    /// <summary>A dataset given as two files, the first for training and the second for testing (as the samples ship).</summary>
    public static ImportResult ImportPair(string trainPath, string testPath, ImportOptions? options = null, CancellationToken ct = default)
    {
        options ??= new ImportOptions();
        var log = new IssueLog(options.MaxReportedIssues);
        using var train = OpenFile(trainPath);
        using var test = OpenFile(testPath);
        var a = Read(train, Path.GetFileName(trainPath), options, DatasetSplit.Train, log, ct);
        var b = Read(test, Path.GetFileName(testPath), options, DatasetSplit.Test, log, ct);
        var name = $"{Path.GetFileName(trainPath)} + {Path.GetFileName(testPath)}";
        return a is null || b is null ? Refused(name, a?.Format ?? b?.Format ?? "unknown", log) : Build(name, [a, b], options, log);
    }

    private static FileStream OpenFile(string path)
    {
        if (!File.Exists(path)) throw new DatasetImportException($"{path}: file not found.");
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    /// <summary>A row as read, before labels are interpreted.</summary>
    /// <summary>
    /// One data row on its way to a record. The checks fill in the normalised sequence and value in place rather than
    /// in side tables, so a million-row file costs one object per row.
    /// </summary>
    private sealed class Candidate(string file, int row, string? id, string sequence, string? rawLabel, DatasetSplit? split)
    {
        public string File { get; } = file;
        public int Row { get; } = row;
        public string Id => id ?? $"row-{Row}";
        public string Sequence { get; } = sequence;
        public string? RawLabel { get; } = rawLabel;
        public DatasetSplit? Split { get; } = split;
        public string? Normalised { get; set; }
        public double? Value { get; set; }
        public bool Invalid { get; set; }
        public bool Duplicate { get; set; }
    }

    private sealed record FileRead(string File, string Format, IReadOnlyList<string> Columns, DetectedColumns Detected, List<Candidate> Rows);

    /// <summary>Format and header of a file, kept when the file is refused so a user can still choose its columns.</summary>
    private sealed class TableShape
    {
        public string Format { get; set; } = "unknown";
        public IReadOnlyList<string> Columns { get; set; } = [];
    }

    private static FileRead? Read(Stream content, string fileName, ImportOptions options, DatasetSplit? forcedSplit, IssueLog log, CancellationToken ct, TableShape? shape = null)
    {
        var stream = content.CanSeek ? content : Buffer(content);
        var sampleBytes = new byte[TextSniffer.SampleBytes];
        var sampleLength = stream.ReadAtLeast(sampleBytes, sampleBytes.Length, throwOnEndOfStream: false);
        stream.Position = 0;
        if (sampleLength == 0 || sampleBytes.AsSpan(0, sampleLength).IndexOfAnyExcept(" \t\r\n"u8) < 0)
        {
            log.Error(new DataIssue(fileName, 0, "file", "The file is empty."));
            return null;
        }
        var isZip = sampleLength >= 4 && sampleBytes[0] == 'P' && sampleBytes[1] == 'K' && sampleBytes[2] == 3 && sampleBytes[3] == 4;
        RawTable table;
        try
        {
            if (isZip || fileName.EndsWith(".xlsx", StringComparison.OrdinalIgnoreCase))
            {
                if (!isZip)
                {
                    log.Error(new DataIssue(fileName, 0, "file", "The file is named .xlsx but is not an Excel workbook."));
                    return null;
                }
                table = ExcelReader.Read(stream, fileName, options.Sheet);
            }
            else if (TextSniffer.LooksBinary(sampleBytes.AsSpan(0, sampleLength)))
            {
                log.Error(new DataIssue(fileName, 0, "file", "This is not a text file (it holds binary bytes). Upload CSV, TSV, FASTA or .xlsx."));
                return null;
            }
            else
            {
                var sample = new UTF8Encoding(false).GetString(sampleBytes, 0, sampleLength).TrimStart('\uFEFF');
                table = sample.TrimStart().StartsWith('>')
                    ? FastaReader.Read(stream)
                    : options.LabelsOptional && FastaReader.LooksLikePlainLines(sample)
                        ? FastaReader.ReadLines(stream)
                        : DelimitedReader.Read(stream, fileName, sample, log.Error);
            }
        }
        catch (DatasetImportException e)
        {
            log.Error(new DataIssue(fileName, 0, "file", e.Message));
            return null;
        }

        if (shape is not null) (shape.Format, shape.Columns) = (table.Format, table.Columns);
        if (table.Columns.Count == 0)
        {
            log.Error(new DataIssue(fileName, 1, "header", "No header row: the first line must name the columns (for example sequence,label)."));
            return null;
        }
        using var rows = table.Rows.GetEnumerator();
        var buffered = new List<RawRow>();
        while (buffered.Count < DetectionSample && rows.MoveNext()) buffered.Add(rows.Current);
        var (sequence, label, id, split, error) = ColumnDetector.Detect(table.Columns, buffered, options);
        if (error is not null)
        {
            log.Error(new DataIssue(fileName, 1, "header", error));
            return null;
        }
        var detected = new DetectedColumns(table.Columns[sequence], label >= 0 ? table.Columns[label] : null, id >= 0 ? table.Columns[id] : null, split >= 0 ? table.Columns[split] : null);
        var candidates = new List<Candidate>();
        foreach (var row in buffered.Concat(Rest(rows)))
        {
            ct.ThrowIfCancellationRequested();
            string? Field(int i) => i >= 0 && i < row.Fields.Length ? row.Fields[i] : null;
            DatasetSplit? rowSplit = forcedSplit;
            if (rowSplit is null && split >= 0)
            {
                rowSplit = ParseSplit(Field(split));
                if (rowSplit is null)
                {
                    log.Error(new DataIssue(fileName, row.Row, detected.Split!, $"Split value '{Field(split)}' is not train, test or validation."));
                }
            }
            var rawId = Field(id)?.Trim();
            // Without an id column, rows are named by their row; a train and a test file both have a row 2, so
            // their rows are named "train-row-2" and "test-row-2" to stay unique across the dataset.
            var generated = forcedSplit is { } fileSplit ? $"{fileSplit.ToString().ToLowerInvariant()}-row-{row.Row}" : null;
            candidates.Add(new Candidate(fileName, row.Row, string.IsNullOrEmpty(rawId) ? generated : rawId,
                Field(sequence) ?? "", Field(label)?.Trim(), rowSplit));
        }
        if (candidates.Count == 0)
        {
            log.Error(new DataIssue(fileName, 1, "file", "The file has a header but no data rows."));
            return null;
        }
        if (table.Format is "fasta" or FastaReader.LinesFormat && candidates.All(c => c.RawLabel is null))
        {
            // FASTA's label "column" exists only when headers carry labels.
            (label, detected) = (-1, detected with { Label = null });
        }
        if (label < 0 && !options.LabelsOptional)
        {
            var what = table.Format == "fasta"
                ? "The FASTA headers carry no labels: write them as >id|label=1, >id label=1 or as the last |-separated field."
                : $"No label column: name one 'label' (or class, target, value, mic) or choose it. Columns found: {string.Join(", ", table.Columns)}.";
            log.Error(new DataIssue(fileName, 1, table.Format == "fasta" ? "label" : "header", what));
            return null;
        }
        return new FileRead(fileName, table.Format, table.Columns, detected, candidates);
    }

    private static IEnumerable<RawRow> Rest(IEnumerator<RawRow> rows)
    {
        while (rows.MoveNext()) yield return rows.Current;
    }

    private static MemoryStream Buffer(Stream content)
    {
        var copy = new MemoryStream();
        content.CopyTo(copy);
        copy.Position = 0;
        return copy;
    }

    private static DatasetSplit? ParseSplit(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "train" or "training" or "tr" => DatasetSplit.Train,
        "test" or "testing" or "te" or "val" or "valid" or "validation" or "dev" or "holdout" => DatasetSplit.Test,
        _ => null,
    };

    private static ImportResult Build(string name, IReadOnlyList<FileRead> files, ImportOptions options, IssueLog log)
    {
        var first = files[0];
        var rows = files.SelectMany(f => f.Rows).ToList();
        var hasLabels = first.Detected.Label is not null;
        void RowError(Candidate c, string field, string message, int? position = null)
        {
            var issue = new DataIssue(c.File, c.Row, field, message, position);
            if (options.DropInvalidRows) log.Warning(issue with { Message = message + " (row dropped)" });
            else log.Error(issue);
            c.Invalid = true;
        }

        // Sequences.
        var sequenceField = first.Detected.Sequence;
        foreach (var c in rows)
        {
            var s = SequenceNormalizer.Normalise(c.Sequence);
            if (s.Length == 0)
            {
                RowError(c, sequenceField, "The sequence is empty.");
                continue;
            }
            if (SequenceNormalizer.FirstInvalid(s) is { } bad)
            {
                var more = bad.Count > 1 ? $" ({bad.Count} such characters)" : "";
                RowError(c, sequenceField, $"'{bad.Character}' is not an amino-acid letter{more}. Allowed: {SequenceNormalizer.Residues}.", bad.Position);
                continue;
            }
            if (s.Length > options.MaxResidues)
            {
                if (options.LongSequences == LongSequencePolicy.Refuse)
                {
                    RowError(c, sequenceField, $"{s.Length} residues is longer than the model takes ({options.MaxResidues}).");
                    continue;
                }
                log.Warning(new DataIssue(c.File, c.Row, sequenceField, $"{s.Length} residues: truncated to the first {options.MaxResidues}."));
                s = s[..options.MaxResidues];
            }
            c.Normalised = s;
        }

        // Labels and task.
        var labelField = first.Detected.Label ?? "label";
        if (hasLabels)
        {
            foreach (var c in rows.Where(c => string.IsNullOrEmpty(c.RawLabel))) RowError(c, labelField, "The label is missing.");
        }
        var labelled = rows.Where(c => !c.Invalid && !string.IsNullOrEmpty(c.RawLabel)).ToList();
        var (task, classNames, taskError) = TaskInference.Infer(labelled.Select(c => c.RawLabel!).ToList(), options.Task);
        if (taskError is not null) log.Error(new DataIssue(name, 0, labelField, taskError));
        if (hasLabels && taskError is null)
        {
            foreach (var c in labelled)
            {
                if (task == TaskKind.Regression)
                {
                    if (double.TryParse(c.RawLabel, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)) c.Value = v;
                    else RowError(c, labelField, $"'{c.RawLabel}' is not a number; a regression label must be numeric.");
                }
                else
                {
                    c.Value = TaskInference.ClassIndex(classNames!, c.RawLabel!);
                }
            }
        }

        // Duplicates: same label reported (later copies dropped), conflicting labels are errors.
        var seen = new Dictionary<(string, DatasetSplit?), Candidate>();
        foreach (var c in rows.Where(c => !c.Invalid && c.Normalised is not null))
        {
            var key = (c.Normalised!, c.Split);
            if (!seen.TryGetValue(key, out var earlier))
            {
                seen[key] = c;
                continue;
            }
            var same = !hasLabels || string.Equals(earlier.RawLabel, c.RawLabel, StringComparison.Ordinal) ||
                       (earlier.Value is { } x && c.Value is { } y && x == y);
            if (same)
            {
                log.Warning(new DataIssue(c.File, c.Row, sequenceField, $"Duplicate of the sequence in row {earlier.Row}; this copy is skipped."));
                c.Duplicate = true;
            }
            else
            {
                RowError(c, labelField, $"The same sequence is in row {earlier.Row} with label '{earlier.RawLabel}' but here with '{c.RawLabel}'.");
            }
        }

        var blocking = log.ErrorCount > 0;
        var kept = rows.Where(c => !c.Invalid && !c.Duplicate && c.Normalised is not null && (!hasLabels || c.Value is not null)).ToList();
        if (!blocking && kept.Count == 0) log.Error(new DataIssue(name, 0, "file", "No usable rows remain."));
        if (log.ErrorCount > 0) return Refused(name, first.Format, log, first, task, classNames);

        var records = kept.Select(c => new SequenceRecord(c.Id, c.Normalised!, hasLabels ? c.Value!.Value : double.NaN, c.RawLabel ?? "", c.Split ?? DatasetSplit.Train)).ToList();
        if (kept.All(c => c.Split is null) && options.TestFraction > 0 && hasLabels)
        {
            var (train, test) = DatasetSplitter.Split(records, options.TestFraction, options.Seed, stratify: task != TaskKind.Regression);
            var testSet = new HashSet<SequenceRecord>(test, ReferenceEqualityComparer.Instance);
            records = records.Select(r => testSet.Contains(r) ? r with { Split = DatasetSplit.Test } : r).ToList();
        }
        var trainSequences = records.Where(r => r.Split == DatasetSplit.Train).Select(r => r.Sequence).ToHashSet();
        foreach (var r in records.Where(r => r.Split == DatasetSplit.Test && trainSequences.Contains(r.Sequence)))
        {
            log.Warning(new DataIssue(name, 0, sequenceField, $"Test sequence '{r.Id}' also occurs in the training rows."));
        }
        var dataset = new SequenceDataset(Path.GetFileNameWithoutExtension(files[0].File), task, classNames, records, Hash(records));
        return new ImportResult
        {
            FileName = name, Format = first.Format, Columns = first.Columns, Detected = first.Detected, Task = task, ClassNames = classNames,
            Dataset = dataset, Warnings = log.Warnings, WarningsNotShown = log.WarningsNotShown, Statistics = DatasetStatistics.Of(dataset),
        };
    }

    private static ImportResult Refused(string name, string format, IssueLog log, FileRead? read = null, TaskKind task = TaskKind.Binary, IReadOnlyList<string>? classNames = null, IReadOnlyList<string>? columns = null) => new()
    {
        FileName = name, Format = read?.Format ?? format, Columns = read?.Columns ?? columns ?? [], Detected = read?.Detected, Task = task, ClassNames = classNames,
        Errors = log.Errors, ErrorsNotShown = log.ErrorsNotShown, Warnings = log.Warnings, WarningsNotShown = log.WarningsNotShown,
    };

    private static string Hash(IEnumerable<SequenceRecord> records)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var r in records)
        {
            sha.AppendData(Encoding.UTF8.GetBytes($"{r.Sequence}\t{r.RawLabel}\t{r.Split}\n"));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
