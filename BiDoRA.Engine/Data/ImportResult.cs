namespace BiDoRA.Engine.Data;

/// <summary>What an import found: the dataset when nothing blocks it, and every problem either way.</summary>
public sealed record ImportResult
{
    public required string FileName { get; init; }
    /// <summary>csv, tsv, fasta or xlsx.</summary>
    public required string Format { get; init; }
    public IReadOnlyList<string> Columns { get; init; } = [];
    public DetectedColumns? Detected { get; init; }
    public TaskKind Task { get; init; }
    public IReadOnlyList<string>? ClassNames { get; init; }
    /// <summary>Null while errors remain.</summary>
    public SequenceDataset? Dataset { get; init; }
    public IReadOnlyList<DataIssue> Errors { get; init; } = [];
    /// <summary>Errors beyond <see cref="ImportOptions.MaxReportedIssues"/>, counted but not listed.</summary>
    public int ErrorsNotShown { get; init; }
    public IReadOnlyList<DataIssue> Warnings { get; init; } = [];
    public int WarningsNotShown { get; init; }
    public DatasetStatistics? Statistics { get; init; }
    public bool IsImportable => Dataset is not null;
}
