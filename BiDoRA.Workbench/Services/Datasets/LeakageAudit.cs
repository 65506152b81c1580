namespace BiDoRA.Workbench.Services.Datasets;

/// <summary>
/// The leakage audit of a dataset's split, stored with its record: for each test sequence, the identity of its nearest
/// training sequence (MMseqs2 easy-search, identical residues over the test sequence's length). Near-copies on both
/// sides of a split inflate every test metric, and peptide sets are full of them.
/// </summary>
public sealed record LeakageAudit
{
    /// <summary>Bins of the identity histogram: [0, 0.1), …, [0.9, 1.0].</summary>
    public const int Bins = 10;

    public LeakageAuditStatus Status { get; init; }

    /// <summary>Why it is unavailable, failed or was cancelled; null when it ran.</summary>
    public string? Message { get; init; }

    public int TrainSequences { get; init; }

    public int TestSequences { get; init; }

    /// <summary>Ids of the test rows, in the stored order (the same order as <see cref="NearestIdentity"/>).</summary>
    public IReadOnlyList<string> TestIds { get; init; } = [];

    /// <summary>Per test row, the identity in [0, 1] of its nearest training sequence (0: no hit); empty until completed.</summary>
    public IReadOnlyList<double> NearestIdentity { get; init; } = [];

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Test rows whose nearest training sequence is at least <paramref name="threshold"/> identical.</summary>
    public int AtOrAbove(double threshold) => NearestIdentity.Count(i => i >= threshold - 1e-9);

    /// <summary>Test rows per identity bin (<see cref="Bins"/> equal bins; an identity of 1 goes to the last).</summary>
    public IReadOnlyList<int> Histogram()
    {
        var counts = new int[Bins];
        foreach (var identity in NearestIdentity) counts[Math.Clamp((int)Math.Floor(identity * Bins + 1e-9), 0, Bins - 1)]++;
        return counts;
    }
}
