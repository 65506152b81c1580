using BiDoRA.Workbench.Components.Charts;

namespace BiDoRA.Workbench.Components.Runs;

/// <summary>One point an event adds to one of the run page's live charts.</summary>
public readonly record struct RunChartPoint(RunChart Chart, LiveSeries Series, int Step, double Value);
