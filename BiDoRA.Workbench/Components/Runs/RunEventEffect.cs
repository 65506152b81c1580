namespace BiDoRA.Workbench.Components.Runs;

/// <summary>
/// What one event changes on the run page's live charts: the points it adds and, for a resumed run that repeats
/// steps, the step from which the older attempt's points are dropped first.
/// </summary>
public sealed record RunEventEffect(int? TruncateFrom, IReadOnlyList<RunChartPoint> Points)
{
    public static readonly RunEventEffect None = new(null, []);
}
