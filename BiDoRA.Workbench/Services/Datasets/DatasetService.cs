using System.Collections.Concurrent;
using System.Text;
using BiDoRA.Engine.Data;
using BiDoRA.Workbench.Services.Storage;

namespace BiDoRA.Workbench.Services.Datasets;

/// <summary>
/// Datasets for the Datasets page and /api/datasets: import (CSV, TSV, FASTA, XLSX through the engine's importer),
/// inspect without saving, list, rows page by page, statistics, delete, and the shipped samples.
/// An import that fails stores nothing; datasets stored before are never touched by a later import.
/// </summary>
/// <remarks>A cluster worker has no <paramref name="audits"/>: web nodes audit uploads, workers only read datasets.</remarks>
internal sealed class DatasetService(IDatasetStore store, WorkbenchPaths paths, ILogger<DatasetService> logger, LeakageAuditService? audits = null)
{
    /// <summary>Rows shown in an inspection's preview.</summary>
    public const int PreviewRows = 20;

    /// <summary>Most rows one <see cref="ReadRows"/> call returns.</summary>
    public const int MaxRowsPerPage = 1000;

    private readonly DatasetRowReader _rows = new();
    private readonly ConcurrentDictionary<string, DatasetStatistics> _statistics = new(StringComparer.Ordinal);

    /// <summary>A dataset was added or deleted (by anyone: page, API, seeding).</summary>
    public event Action? Changed;

    /// <summary>
    /// Imports <paramref name="content"/> and stores the normalised rows. A seekable stream (an upload buffered to
    /// disk, a file) is read in place; any other (a Blazor IBrowserFile stream) is spooled to a temporary file once,
    /// never copied into memory.
    /// </summary>
    public async Task<DatasetImportOutcome> ImportAsync(Stream content, string fileName, DatasetImportRequest? request = null, CancellationToken cancellationToken = default)
    {
        request ??= new DatasetImportRequest();
        var name = PlainFileName(fileName);
        var result = await ReadAsync(content, name, request, cancellationToken);
        return Store(result, string.IsNullOrWhiteSpace(request.Name) ? Path.GetFileNameWithoutExtension(name) : request.Name.Trim(), name, sample: null);
    }

    /// <summary>What <see cref="ImportAsync"/> would do with the file; stores nothing.</summary>
    public async Task<DatasetInspection> InspectAsync(Stream content, string fileName, DatasetImportRequest? request = null, CancellationToken cancellationToken = default)
    {
        request ??= new DatasetImportRequest();
        var name = PlainFileName(fileName);
        var result = await ReadAsync(content, name, request, cancellationToken);
        var dataset = result.Dataset;
        return new DatasetInspection
        {
            FileName = name,
            Format = result.Format,
            Columns = result.Columns,
            Detected = result.Detected,
            Task = result.Task,
            ClassNames = result.ClassNames,
            Rows = dataset?.Records.Count ?? 0,
            TrainRows = dataset?.Train.Count ?? 0,
            TestRows = dataset?.Test.Count ?? 0,
            Errors = result.Errors,
            ErrorsNotShown = result.ErrorsNotShown,
            Warnings = result.Warnings,
            WarningsNotShown = result.WarningsNotShown,
            Statistics = result.Statistics,
            Preview = dataset?.Records.Take(PreviewRows).Select((r, i) => ToRow(i, r)).ToList() ?? [],
        };
    }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<DatasetRecord> List() => store.List();

    public DatasetRecord? Get(string id) => store.Get(id);

    /// <summary>Removes the dataset and its rows; runs made from it keep their own copy.</summary>
    public bool Delete(string id)
    {
        audits?.Cancel(id);
        if (!store.Delete(id)) return false;
        _rows.Forget(id);
        _statistics.TryRemove(id, out _);
        logger.LogInformation("Deleted dataset {DatasetId}.", id);
        Changed?.Invoke();
        return true;
    }

    /// <summary>Rows [offset, offset + count) of a stored dataset (count at most <see cref="MaxRowsPerPage"/>); null when it does not exist.</summary>
    public DatasetRowPage? ReadRows(string id, int offset, int count)
    {
        if (store.Get(id) is not { } dataset) return null;
        return _rows.Read(id, paths.DatasetFile(id), dataset.SequenceColumn, dataset.LabelColumn, Math.Max(0, offset), Math.Clamp(count, 0, MaxRowsPerPage));
    }

    /// <summary>Rows per split, class balance or label histogram, length histogram, residue composition; null when the dataset does not exist.</summary>
    public async Task<DatasetStatistics?> GetStatisticsAsync(string id, CancellationToken cancellationToken = default)
    {
        if (store.Get(id) is not { } dataset) return null;
        if (_statistics.TryGetValue(id, out var known)) return known;
        // Computed at import; after a restart, from the stored rows (they import back to the same dataset).
        var options = new ImportOptions
        {
            SequenceColumn = dataset.SequenceColumn, LabelColumn = dataset.LabelColumn, Task = dataset.Task,
            TestFraction = 0, MaxResidues = int.MaxValue, LabelsOptional = true,
        };
        var result = await Task.Run(() => DatasetImporter.Import(paths.DatasetFile(id), options, cancellationToken), cancellationToken);
        if (result.Statistics is not { } statistics)
        {
            throw new InvalidDataException($"The stored rows of dataset '{dataset.Name}' ({id}) no longer read back: {string.Join("; ", result.Errors.Take(3))}");
        }
        return _statistics[id] = statistics;
    }

    /// <summary>The samples shipped with the workbench and which datasets came from each.</summary>
    public IReadOnlyList<SampleInfo> ListSamples()
    {
        var datasets = store.List();
        return SampleDatasets.All.Select(s => new SampleInfo(s.Name, s.Title, s.Description, s.Task,
            File.Exists(s.TrainPath(paths.SamplesDirectory)) && File.Exists(s.TestPath(paths.SamplesDirectory)),
            datasets.Where(d => string.Equals(d.Sample, s.Name, StringComparison.OrdinalIgnoreCase)).Select(d => d.Id).ToList())).ToList();
    }

    /// <summary>Adds a sample (its train and test files as one dataset with a split); null when no sample has that name.</summary>
    public async Task<DatasetImportOutcome?> AddSampleAsync(string name, CancellationToken cancellationToken = default)
    {
        if (SampleDatasets.Find(name) is not { } sample) return null;
        string train = sample.TrainPath(paths.SamplesDirectory), test = sample.TestPath(paths.SamplesDirectory);
        if (!File.Exists(train) || !File.Exists(test))
        {
            var missing = new DataIssue(sample.Name, 0, "file", $"The sample's files are missing from {Path.GetDirectoryName(train)}; the installation is incomplete.");
            return new DatasetImportOutcome { Errors = [missing] };
        }
        var options = new ImportOptions { Task = sample.Task };
        var result = await Task.Run(() => DatasetImporter.ImportPair(train, test, options, cancellationToken), cancellationToken);
        return Store(result, sample.Title, $"{sample.Name}/{sample.TrainFile} + {sample.Name}/{sample.TestFile}", sample.Name);
    }

    /// <summary>
    /// On the first start of a new database, adds every sample once and records that it did, so samples the user
    /// deletes later stay deleted.
    /// </summary>
    /// <returns>The datasets added (none after the first time).</returns>
    public async Task<IReadOnlyList<DatasetRecord>> SeedSamplesAsync(CancellationToken cancellationToken = default)
    {
        // Web nodes of a cluster start together on one database: one seeds, the others wait and find it done.
        using var seeding = await Task.Run(store.LockSeeding, cancellationToken);
        if (store.SamplesSeeded()) return [];
        var added = new List<DatasetRecord>();
        // A database that already holds datasets predates seeding: leave it as the user made it.
        if (store.List().Count == 0)
        {
            foreach (var sample in SampleDatasets.All)
            {
                var outcome = await AddSampleAsync(sample.Name, cancellationToken);
                if (outcome?.Dataset is { } dataset) added.Add(dataset);
                else logger.LogWarning("Sample {Sample} was not added: {Errors}", sample.Name, string.Join("; ", outcome?.Errors ?? []));
            }
        }
        store.MarkSamplesSeeded([.. added.Select(d => d.Id)]);
        if (added.Count > 0) logger.LogInformation("First start: added the samples {Samples}.", string.Join(", ", added.Select(d => d.Sample)));
        return added;
    }

    /// <summary>The importer reads a file twice (sniff, parse): a stream that cannot seek (a browser upload) is spooled to disk first.</summary>
    private static async Task<ImportResult> ReadAsync(Stream content, string fileName, DatasetImportRequest request, CancellationToken cancellationToken)
    {
        var (stream, owned) = await SeekableStream.EnsureAsync(content, cancellationToken);
        try
        {
            return await Task.Run(() => DatasetImporter.Import(stream, fileName, request.ToImportOptions(), cancellationToken), cancellationToken);
        }
        finally
        {
            if (owned) await stream.DisposeAsync();
        }
    }

    private DatasetImportOutcome Store(ImportResult result, string name, string fileName, string? sample)
    {
        if (result.Dataset is not { } dataset)
        {
            logger.LogInformation("Import of {File} refused: {Count} error(s).", fileName, result.Errors.Count + result.ErrorsNotShown);
            return new DatasetImportOutcome
            {
                Errors = result.Errors, ErrorsNotShown = result.ErrorsNotShown, Warnings = result.Warnings, WarningsNotShown = result.WarningsNotShown,
            };
        }
        var statistics = result.Statistics ?? DatasetStatistics.Of(dataset);
        var record = new DatasetRecord
        {
            Id = RecordId.New(),
            Name = name.Length > 200 ? name[..200] : name,
            FileName = fileName,
            Format = result.Format,
            Task = dataset.Task,
            Rows = dataset.Records.Count,
            TrainRows = dataset.Train.Count,
            TestRows = dataset.Test.Count,
            Columns = result.Columns,
            SourceColumns = result.Detected,
            SequenceColumn = "sequence",
            LabelColumn = "label",
            ClassNames = dataset.ClassNames,
            ClassCounts = statistics.ClassCounts,
            MinLength = (int)statistics.Lengths.Min,
            MaxLength = (int)statistics.Lengths.Max,
            MeanLength = Math.Round(statistics.Lengths.Mean, 2),
            Warnings = result.Warnings.Select(w => w.ToString()).ToList(),
            WarningsNotShown = result.WarningsNotShown,
            Sample = sample,
            ContentHash = dataset.ContentHash,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        var stored = store.Add(record, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            DatasetWriter.WriteCsv(dataset, writer);
        });
        _statistics[stored.Id] = statistics;
        logger.LogInformation("Imported dataset {DatasetId} from {File}: {Rows} rows, {Task}.", stored.Id, fileName, stored.Rows, stored.Task);
        Changed?.Invoke();
        // The audit runs in the background: the upload is stored and answered without waiting for MMseqs2.
        audits?.Enqueue(stored.Id);
        return new DatasetImportOutcome { Dataset = stored, Warnings = result.Warnings, WarningsNotShown = result.WarningsNotShown };
    }

    private static DatasetRow ToRow(int index, SequenceRecord r) =>
        new(index, r.Id, r.Sequence, r.RawLabel, r.Split == DatasetSplit.Train ? "train" : "test");

    /// <summary>Browsers send a bare name, but some clients send a path; only the last part is ever shown.</summary>
    private static string PlainFileName(string? fileName)
    {
        var name = Path.GetFileName((fileName ?? "").Replace('\\', '/'));
        return string.IsNullOrWhiteSpace(name) ? "upload" : name.Trim();
    }
}
