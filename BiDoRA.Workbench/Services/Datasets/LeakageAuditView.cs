namespace BiDoRA.Workbench.Services.Datasets;

/// <summary>A dataset's leakage audit as the Datasets page and GET /api/datasets/{id}/audit show it, at one threshold.</summary>
/// <param name="DatasetId">The dataset.</param>
/// <param name="Status">Null when the dataset has no test rows (nothing to audit) or the audit has not started.</param>
/// <param name="Message">Why it is unaudited (how to install MMseqs2), or what failed.</param>
/// <param name="Threshold">The identity the warning counts from.</param>
/// <param name="AtOrAbove">Test sequences with a training sequence at least <paramref name="Threshold"/> identical.</param>
/// <param name="Warning">The sentence to show when <paramref name="AtOrAbove"/> is not zero.</param>
/// <param name="Histogram">Test sequences per identity bin.</param>
/// <param name="Closest">The test rows nearest to a training sequence, most identical first (at most 20).</param>
/// <param name="Progress">While running: the share of test sequences searched.</param>
/// <param name="Seconds">How long the search took (completed) or has taken so far (running).</param>
public sealed record LeakageAuditView(
    string DatasetId,
    LeakageAuditStatus? Status,
    string? Message,
    int TrainSequences,
    int TestSequences,
    double Threshold,
    int AtOrAbove,
    string? Warning,
    IReadOnlyList<IdentityBin> Histogram,
    IReadOnlyList<NearestTraining> Closest,
    double? Progress,
    double? Seconds);

/// <summary>Test sequences whose nearest training sequence's identity is in [Lower, Upper) (the last bin includes 1).</summary>
public sealed record IdentityBin(double Lower, double Upper, int Count);

/// <summary>One test row and the identity of its nearest training sequence.</summary>
public sealed record NearestTraining(string TestId, double Identity);
