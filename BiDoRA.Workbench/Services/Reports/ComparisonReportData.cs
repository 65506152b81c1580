using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.Training;

namespace BiDoRA.Workbench.Services.Reports;

/// <summary>Everything a sweep's (or a set of runs') report shows.</summary>
internal sealed record ComparisonReportData
{
    public required string Title { get; init; }
    public string? SweepId { get; init; }
    public string? Status { get; init; }

    /// <summary>The settings the runs share (the first run's plan; method and seed vary).</summary>
    public RunPlan? SharedPlan { get; init; }

    public required ComparisonResult Comparison { get; init; }

    /// <summary>The headline metric tested for every pair of groups.</summary>
    public IReadOnlyList<PairedComparison> PairTests { get; init; } = [];

    /// <summary>Each completed run's ΔM–ΔD fit over all its points, by run id.</summary>
    public IReadOnlyDictionary<string, WeightDecompositionFit> Slopes { get; init; } = new Dictionary<string, WeightDecompositionFit>();

    /// <summary>Classification: each method's ensemble calibration beside its members'.</summary>
    public IReadOnlyList<EnsembleCalibration> Calibration { get; init; } = [];

    public DateTimeOffset Generated { get; init; } = DateTimeOffset.UtcNow;
}
