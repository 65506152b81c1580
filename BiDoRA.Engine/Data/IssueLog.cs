namespace BiDoRA.Engine.Data;

/// <summary>Collects errors and warnings, listing up to a cap and counting the rest.</summary>
internal sealed class IssueLog(int cap)
{
    private readonly List<DataIssue> _errors = [];
    private readonly List<DataIssue> _warnings = [];

    public int ErrorCount { get; private set; }
    public int WarningCount { get; private set; }
    public IReadOnlyList<DataIssue> Errors => _errors;
    public IReadOnlyList<DataIssue> Warnings => _warnings;
    public int ErrorsNotShown => ErrorCount - _errors.Count;
    public int WarningsNotShown => WarningCount - _warnings.Count;

    public void Error(DataIssue issue)
    {
        ErrorCount++;
        if (_errors.Count < cap) _errors.Add(issue);
    }

    public void Warning(DataIssue issue)
    {
        WarningCount++;
        if (_warnings.Count < cap) _warnings.Add(issue);
    }
}
