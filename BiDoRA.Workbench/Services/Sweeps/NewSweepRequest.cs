using BiDoRA.Workbench.Services.Runs;

namespace BiDoRA.Workbench.Services.Sweeps;

/// <summary>
/// What it takes to start a sweep: a dataset, the methods, the seeds (a list, or a count for seeds 1 … N; five when
/// neither is given), and the settings every run shares. The shared settings are those of <see cref="NewRunRequest"/>
/// without datasetId, method, seed and name, which the sweep sets per run.
/// </summary>
public sealed record NewSweepRequest
{
    public string? DatasetId { get; init; }
    public string? Name { get; init; }

    /// <summary>e.g. ["lora", "dora", "bidora"].</summary>
    public IReadOnlyList<string>? Methods { get; init; }

    public IReadOnlyList<int>? Seeds { get; init; }

    /// <summary>Seeds 1 … SeedCount, instead of <see cref="Seeds"/>.</summary>
    public int? SeedCount { get; init; }

    /// <summary>K-fold cross-validation (2 … 20): every method × seed × fold; null uses the dataset's own test split.</summary>
    public int? Folds { get; init; }

    /// <summary>With <see cref="Folds"/>: keep sequences of at least this identity in one fold (MMseqs2); null folds at random.</summary>
    public double? ClusterIdentity { get; init; }

    public NewRunRequest? Settings { get; init; }
}
