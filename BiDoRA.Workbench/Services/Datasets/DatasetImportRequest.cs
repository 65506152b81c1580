using BiDoRA.Engine.Data;

namespace BiDoRA.Workbench.Services.Datasets;

/// <summary>A user's choices for one import; everything left null is detected from the file.</summary>
public sealed record DatasetImportRequest
{
    /// <summary>Display name; default: the file name without its extension.</summary>
    public string? Name { get; init; }

    public string? SequenceColumn { get; init; }

    public string? LabelColumn { get; init; }

    public string? IdColumn { get; init; }

    public string? SplitColumn { get; init; }

    /// <summary>Null: inferred from the labels.</summary>
    public TaskKind? Task { get; init; }

    /// <summary>Excel sheet; the first when null.</summary>
    public string? Sheet { get; init; }

    /// <summary>Sequences longer than ESM-2 takes (1022 residues) are truncated with a warning, or refused.</summary>
    public LongSequencePolicy LongSequences { get; init; } = LongSequencePolicy.Truncate;

    /// <summary>Import the good rows and report the rest as warnings, instead of refusing the file.</summary>
    public bool DropInvalidRows { get; init; }

    /// <summary>Share of rows held out as test when the file has no split column (default 0.2).</summary>
    public double? TestFraction { get; init; }

    internal ImportOptions ToImportOptions()
    {
        var defaults = new ImportOptions();
        return defaults with
        {
            SequenceColumn = Blank(SequenceColumn),
            LabelColumn = Blank(LabelColumn),
            IdColumn = Blank(IdColumn),
            SplitColumn = Blank(SplitColumn),
            Task = Task,
            Sheet = Blank(Sheet),
            LongSequences = LongSequences,
            DropInvalidRows = DropInvalidRows,
            TestFraction = TestFraction ?? defaults.TestFraction,
        };
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
