using BiDoRA.Engine.Data;

namespace BiDoRA.Workbench.Services.Datasets;

/// <summary>
/// The result of an import: the stored dataset, or the errors that stopped it (each naming file, row and field).
/// When it fails nothing is stored and every dataset saved before is untouched.
/// </summary>
public sealed record DatasetImportOutcome
{
    /// <summary>The stored dataset; null when errors stopped the import.</summary>
    public DatasetRecord? Dataset { get; init; }

    public IReadOnlyList<DataIssue> Errors { get; init; } = [];

    /// <summary>Errors beyond those listed, counted only.</summary>
    public int ErrorsNotShown { get; init; }

    public IReadOnlyList<DataIssue> Warnings { get; init; } = [];

    public int WarningsNotShown { get; init; }

    public bool Succeeded => Dataset is not null;
}
