using BiDoRA.Engine.Data;

namespace BiDoRA.Workbench.Services.Datasets;

/// <summary>
/// What an import would do with a file, without storing anything: the columns found and chosen, the task, every
/// problem, and (when the file is importable) statistics and the first rows. The Datasets page builds its column
/// and task choices from this.
/// </summary>
public sealed record DatasetInspection
{
    public required string FileName { get; init; }

    /// <summary>csv, tsv, fasta, xlsx, or unknown when the file could not be read.</summary>
    public required string Format { get; init; }

    /// <summary>The file's columns (also when detection failed, so one can be chosen).</summary>
    public IReadOnlyList<string> Columns { get; init; } = [];

    /// <summary>The columns the import would use; null when the header could not be read.</summary>
    public DetectedColumns? Detected { get; init; }

    public TaskKind Task { get; init; }

    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>Rows that would be imported (0 while errors remain).</summary>
    public int Rows { get; init; }

    public int TrainRows { get; init; }

    public int TestRows { get; init; }

    public IReadOnlyList<DataIssue> Errors { get; init; } = [];

    public int ErrorsNotShown { get; init; }

    public IReadOnlyList<DataIssue> Warnings { get; init; } = [];

    public int WarningsNotShown { get; init; }

    /// <summary>Null while errors remain.</summary>
    public DatasetStatistics? Statistics { get; init; }

    /// <summary>The first normalised rows, as they would be stored.</summary>
    public IReadOnlyList<DatasetRow> Preview { get; init; } = [];

    public bool IsImportable => Errors.Count == 0 && ErrorsNotShown == 0 && Rows > 0;
}
