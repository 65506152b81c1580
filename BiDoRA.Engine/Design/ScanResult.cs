namespace BiDoRA.Engine.Design;

/// <summary>
/// A saturation mutagenesis of one sequence: every allowed single substitution predicted, with its effect (score − the
/// wild type's score). With an ensemble, scores are the members' mean and each cell carries the members' sd.
/// </summary>
/// <remarks><c>Cells</c>: One per allowed substitution, by position then residue (the wild type's own residue is not a cell).</remarks>
/// <remarks><c>Members</c>: Models averaged (1 for one run).</remarks>
public sealed record ScanResult(string WildType, string Target, double WildTypeScore, double? WildTypeSd, IReadOnlyList<ScanCell> Cells, int Members, string Constraints)
{
    /// <summary>The best <paramref name="count"/> substitutions (highest effect first, or lowest when <paramref name="lowest"/>).</summary>
    public IReadOnlyList<ScanCell> Best(int count, bool lowest = false) =>
        [.. (lowest ? Cells.OrderBy(c => c.Effect) : Cells.OrderByDescending(c => c.Effect)).ThenBy(c => c.Position).Take(count)];
}

/// <summary>One substitution of a scan: its predicted score and effect (score − wild type); sd across an ensemble's members.</summary>
public sealed record ScanCell(int Position, char WildType, char Residue, double Score, double Effect, double? Sd)
{
    public string Mutation => $"{WildType}{Position}{Residue}";
}
