namespace BiDoRA.Workbench.Components.Runs;

/// <summary>The live charts of the run page.</summary>
public enum RunChart
{
    Loss,
    LearningRate,
    Metrics,
}
