using BiDoRA.Workbench.Services.Runs;

namespace BiDoRA.Workbench.Services.Sweeps;

/// <summary>A sweep as the workbench keeps it: its runs (one per method and seed) and the settings they share.</summary>
public sealed record SweepRecord
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public string? DatasetId { get; init; }

    /// <summary>Lower-case method names, in the order given.</summary>
    public IReadOnlyList<string> Methods { get; init; } = [];

    public IReadOnlyList<int> Seeds { get; init; } = [];

    /// <summary>K of cross-validation; null without.</summary>
    public int? Folds { get; init; }

    /// <summary>Identity threshold of homology-aware folds; null for random folds.</summary>
    public double? ClusterIdentity { get; init; }

    /// <summary>The shared settings as requested (defaults were filled in per run).</summary>
    public NewRunRequest Settings { get; init; } = new();

    /// <summary>Seed by seed, all methods of a seed together.</summary>
    public IReadOnlyList<SweepRunEntry> Runs { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>One run of a sweep; <paramref name="Fold"/> is its test fold (1 … K) in a cross-validated sweep.</summary>
public sealed record SweepRunEntry(string RunId, string Method, int Seed, int? Fold = null);
