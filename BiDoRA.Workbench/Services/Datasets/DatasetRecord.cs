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

    public string? Format { get; init; }

    public TaskKind Task { get; init; }

    public int Rows { get; init; }

    public IReadOnlyList<string> Columns { get; init; } = [];

    public string? SequenceColumn { get; init; }

    public string? LabelColumn { get; init; }

    /// <summary>Class counts (classification) by label.</summary>
    public IReadOnlyDictionary<string, int>? ClassCounts { get; init; }

    public int MinLength { get; init; }

    public int MaxLength { get; init; }

    public double MeanLength { get; init; }

    public IReadOnlyList<string> Warnings { get; init; } = [];

    public long SizeBytes { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}
