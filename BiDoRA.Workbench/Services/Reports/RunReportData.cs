using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.Training;

namespace BiDoRA.Workbench.Services.Reports;

/// <summary>Everything a run's report shows; parts a run does not have yet are null or empty.</summary>
internal sealed record RunReportData
{
    public required string Title { get; init; }
    public string? RunId { get; init; }
    public required string Status { get; init; }
    public RunPlan? Plan { get; init; }
    public RunResults? Results { get; init; }
    public string? Error { get; init; }

    /// <summary>Training steps (for the loss curves).</summary>
    public IReadOnlyList<StepCompleted> Steps { get; init; } = [];

    /// <summary>Validation evaluations during training.</summary>
    public IReadOnlyList<Evaluated> Evaluations { get; init; } = [];

    public WeightDecompositionResult? Analysis { get; init; }
    public string? AnalysisError { get; init; }
    public PredictionTable? Predictions { get; init; }
    public DateTimeOffset Generated { get; init; } = DateTimeOffset.UtcNow;
}
