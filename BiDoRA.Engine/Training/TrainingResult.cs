namespace BiDoRA.Engine.Training;

public enum RunOutcome
{
    Completed,
    Cancelled,
    Failed,
}

/// <summary>How a run ended and where its folder is.</summary>
public sealed record TrainingResult(
    RunOutcome Outcome,
    string OutputDirectory,
    IReadOnlyDictionary<string, double> TestMetrics,
    int StepsCompleted,
    string? Error);
