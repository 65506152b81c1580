namespace BiDoRA.Engine.Data;

/// <summary>Sequences read from pasted text or a file, with every problem found (structure and residues).</summary>
/// <param name="Sequences">Every sequence read, valid or not, in input order.</param>
/// <param name="Issues">The problems found, up to <see cref="SequenceFileReader.MaxIssues"/>.</param>
/// <param name="IssuesNotShown">Problems beyond those listed.</param>
/// <param name="TooMany">The input holds more sequences than allowed; reading stopped there.</param>
/// <param name="SequenceColumn">The column the sequences came from (CSV, TSV, .xlsx); null for FASTA and plain lines.</param>
public sealed record ParsedSequences(IReadOnlyList<SequenceInput> Sequences, IReadOnlyList<SequenceIssue> Issues, int IssuesNotShown, bool TooMany, string? SequenceColumn = null)
{
    public bool IsValid => Issues.Count == 0 && IssuesNotShown == 0 && !TooMany && Sequences.Count > 0;
}
