namespace BiDoRA.Engine.Data;

/// <summary>Choices a user can make about an import; everything null is detected.</summary>
public sealed record ImportOptions
{
    public string? SequenceColumn { get; init; }
    public string? LabelColumn { get; init; }
    public string? IdColumn { get; init; }
    public string? SplitColumn { get; init; }
    public TaskKind? Task { get; init; }
    /// <summary>Excel sheet name; the first sheet when null.</summary>
    public string? Sheet { get; init; }
    public LongSequencePolicy LongSequences { get; init; } = LongSequencePolicy.Truncate;
    /// <summary>ESM-2 takes 1022 residues (1024 positions with &lt;cls&gt; and &lt;eos&gt;).</summary>
    public int MaxResidues { get; init; } = 1022;
    /// <summary>Drop rows with errors (reported as warnings) instead of refusing the file.</summary>
    public bool DropInvalidRows { get; init; }
    /// <summary>Share of rows held out as test when the file has no split column.</summary>
    public double TestFraction { get; init; } = 0.2;
    public int Seed { get; init; } = 42;
    /// <summary>Issues listed in full; the rest are counted.</summary>
    public int MaxReportedIssues { get; init; } = 300;
    /// <summary>Accept a file without labels (for prediction).</summary>
    public bool LabelsOptional { get; init; }
}
