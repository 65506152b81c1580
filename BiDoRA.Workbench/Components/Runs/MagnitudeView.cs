namespace BiDoRA.Workbench.Components.Runs;

/// <summary>The statistic the run page's magnitude heatmap shows per module and step.</summary>
public enum MagnitudeView
{
    /// <summary>Mean |m − m₀|: how far training moved the magnitudes.</summary>
    Change,
    Mean,
    Std,
}
