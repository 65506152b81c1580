namespace BiDoRA.Workbench.Services.Predictions;

/// <summary>Sequences read from pasted text or a file, with every problem found (structure and residues).</summary>
/// <param name="TooMany">The input holds more sequences than allowed; reading stopped there.</param>
public sealed record ParsedSequences(IReadOnlyList<PredictionInput> Sequences, IReadOnlyList<PredictionIssue> Issues, int IssuesNotShown, bool TooMany)
{
    public bool IsValid => Issues.Count == 0 && IssuesNotShown == 0 && !TooMany && Sequences.Count > 0;
}
