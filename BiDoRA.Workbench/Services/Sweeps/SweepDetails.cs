using BiDoRA.Workbench.Services.Runs;

namespace BiDoRA.Workbench.Services.Sweeps;

/// <summary>A sweep with the current state of each of its runs.</summary>
/// <param name="Counts">Runs per status (only statuses that occur).</param>
/// <param name="Folds">K of cross-validation; null when the runs use the dataset's own split.</param>
/// <param name="ClusterIdentity">Identity threshold of homology-aware folds; null for random folds.</param>
public sealed record SweepDetails(
    string Id,
    string Name,
    string? DatasetId,
    IReadOnlyList<string> Methods,
    IReadOnlyList<int> Seeds,
    NewRunRequest Settings,
    DateTimeOffset CreatedAt,
    SweepStatus Status,
    IReadOnlyDictionary<RunStatus, int> Counts,
    IReadOnlyList<SweepRunState> Runs,
    int? Folds = null,
    double? ClusterIdentity = null);

/// <summary>One run of a sweep as it stands.</summary>
/// <param name="Status">Null when the run record is gone.</param>
/// <param name="Fold">The run's test fold (1 … K) in a cross-validated sweep.</param>
public sealed record SweepRunState(
    string RunId,
    string Method,
    int Seed,
    string? Name,
    RunStatus? Status,
    RunProgress? Progress,
    IReadOnlyDictionary<string, double>? FinalMetrics,
    string? Error,
    int? Fold = null);
