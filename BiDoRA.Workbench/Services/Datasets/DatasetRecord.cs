using BiDoRA.Engine.Data;

namespace BiDoRA.Workbench.Services.Datasets;

/// <summary>An imported dataset. Its rows live in a normalised CSV under the data directory, named by <see cref="Id"/>.</summary>
public sealed record DatasetRecord
{
    public required string Id { get; init; }

    /// <summary>Display name (the user's choice or the file name); never used as a path.</summary>
    public required string Name { get; init; }

    /// <summary>The uploaded file's name, for display only.</summary>
    public string? FileName { get; init; }

    /// <summary>csv, tsv, fasta or xlsx: the uploaded file's format.</summary>
    public string? Format { get; init; }

    public TaskKind Task { get; init; }

    public int Rows { get; init; }

    /// <summary>Rows in the training split (the trainer takes its validation part from these).</summary>
    public int TrainRows { get; init; }

    /// <summary>Held-out test rows.</summary>
    public int TestRows { get; init; }

    /// <summary>The uploaded file's columns.</summary>
    public IReadOnlyList<string> Columns { get; init; } = [];

    /// <summary>The uploaded file's columns the import used (detected or chosen).</summary>
    public DetectedColumns? SourceColumns { get; init; }

    /// <summary>Sequence column of the stored CSV (what runs read), not of the uploaded file.</summary>
    public string? SequenceColumn { get; init; }

    /// <summary>Label column of the stored CSV (what runs read), not of the uploaded file.</summary>
    public string? LabelColumn { get; init; }

    /// <summary>Class names in class-index order (classification); null for regression.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>Class counts (classification) by label.</summary>
    public IReadOnlyDictionary<string, int>? ClassCounts { get; init; }

    public int MinLength { get; init; }

    public int MaxLength { get; init; }

    public double MeanLength { get; init; }

    /// <summary>What the import changed or noticed (truncations, duplicates, dropped rows), each naming file, row and field.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Warnings beyond those listed.</summary>
    public int WarningsNotShown { get; init; }

    /// <summary>The sample this dataset was added from (bbp, thermostability, mic); null for uploads.</summary>
    public string? Sample { get; init; }

    /// <summary>sha256 of the normalised rows, as run.json records it.</summary>
    public string? ContentHash { get; init; }

    public long SizeBytes { get; init; }

    /// <summary>The leakage audit of the train/test split, once started (datasets with test rows only).</summary>
    public LeakageAudit? Audit { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}
