namespace BiDoRA.Engine.Training;

/// <summary>How a run ended and where its folder is.</summary>
public sealed record TrainingResult(
    RunOutcome Outcome,
    string OutputDirectory,
    IReadOnlyDictionary<string, double> TestMetrics,
    int StepsCompleted,
    string? Error);
