using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Training;

namespace BiDoRA.Engine.Evaluation;

/// <summary>Runs side by side, grouped (by method unless told otherwise), with a paired test of two groups over seeds.</summary>
/// <param name="Task">The runs' task; null when none could be read.</param>
/// <param name="Split">"test", or "validation" (best evaluation) when some completed run has no test split.</param>
/// <param name="Metrics">Every metric reported, in the paper's order.</param>
/// <param name="PrimaryMetric">The headline metric (tested first).</param>
/// <param name="Runs">One row per run, completed or not.</param>
/// <param name="Groups">Mean ± sample sd per group over its completed runs.</param>
/// <param name="Comparison">The paired test of A and B; null with fewer than two groups.</param>
/// <param name="Warnings">Things a reader should know (mixed tasks, unpaired seeds, unreadable folders).</param>
public sealed record ComparisonResult(
    TaskKind? Task,
    string Split,
    IReadOnlyList<string> Metrics,
    string PrimaryMetric,
    IReadOnlyList<ComparedRunRow> Runs,
    IReadOnlyList<GroupSummary> Groups,
    PairedComparison? Comparison,
    IReadOnlyList<string> Warnings);

/// <summary>One run of a comparison.</summary>
/// <param name="Id">The caller's id of the run.</param>
/// <param name="Name">Display name.</param>
/// <param name="Group">The group it was counted in.</param>
/// <param name="Method">From run.json; null when the folder could not be read.</param>
/// <param name="Seed">From run.json.</param>
/// <param name="Completed">Finished, with metrics.</param>
/// <param name="Status">The caller's status, else run.json's ("running", "completed"), or "missing".</param>
/// <param name="Metrics">The compared split's metrics; empty until the run has completed.</param>
/// <param name="TrainableParameters">Adapters + magnitudes + head (everything that trained).</param>
/// <param name="PaperParameterCount">The papers' #Params: adapters + magnitudes, no head.</param>
/// <param name="DurationSeconds">Training time.</param>
/// <param name="Steps">Optimiser steps taken.</param>
/// <param name="Error">Why the run failed or could not be read.</param>
/// <param name="Fold">The test fold (1 … K) of a cross-validated run; null otherwise.</param>
public sealed record ComparedRunRow(
    string Id,
    string Name,
    string Group,
    AdapterMethod? Method,
    int? Seed,
    bool Completed,
    string Status,
    IReadOnlyDictionary<string, double> Metrics,
    long? TrainableParameters,
    long? PaperParameterCount,
    double? DurationSeconds,
    int? Steps,
    string? Error,
    int? Fold = null);

/// <summary>A group's completed runs summarised.</summary>
public sealed record GroupSummary(
    string Group,
    AdapterMethod? Method,
    int Runs,
    int Completed,
    IReadOnlyList<int> Seeds,
    IReadOnlyDictionary<string, SampleSummary> Metrics,
    SampleSummary TrainableParameters,
    SampleSummary PaperParameterCount,
    SampleSummary DurationSeconds);

/// <summary>B against A, paired by seed (and fold), one Wilcoxon signed-rank test per metric (the primary metric first).</summary>
/// <param name="A">The baseline group.</param>
/// <param name="B">The group tested against it; differences are B − A.</param>
/// <param name="Alternative">Greater: B tends to score higher.</param>
/// <param name="Seeds">Seeds both groups completed, ascending: the pairs.</param>
/// <param name="UnpairedSeeds">Seeds only one group completed (left out of the tests).</param>
/// <param name="Tests">One per metric, the primary metric first.</param>
public sealed record PairedComparison(
    string A,
    string B,
    TestAlternative Alternative,
    IReadOnlyList<int> Seeds,
    IReadOnlyList<int> UnpairedSeeds,
    IReadOnlyList<MetricTest> Tests)
{
    /// <summary>The pairs, in the order of the tests' values: "seed 1", or "seed 1 fold 2" in a cross-validated sweep.</summary>
    public IReadOnlyList<string> Pairs { get; init; } = [];
}

/// <summary>The test of one metric.</summary>
/// <param name="Metric">The metric's name.</param>
/// <param name="AValues">A's values over the pairs, by ascending seed (pairs with an undefined value are left out).</param>
/// <param name="BValues">B's values, in the same order.</param>
/// <param name="HigherIsBetter">Whether a positive difference favours B.</param>
/// <param name="MeanDifference">Mean of B − A over the pairs; null without pairs.</param>
/// <param name="Result">Null when the metric has no finite pair.</param>
public sealed record MetricTest(
    string Metric,
    bool HigherIsBetter,
    IReadOnlyList<double> AValues,
    IReadOnlyList<double> BValues,
    double? MeanDifference,
    WilcoxonResult? Result)
{
    /// <summary>
    /// The smallest p-value this many non-tied pairs can give at all (exact test, no ties): with 5 pairs a
    /// two-sided test cannot go below 0.0625, so it can never be significant at 0.05.
    /// </summary>
    /// <summary>The pairs of <see cref="AValues"/> and <see cref="BValues"/>, in their order ("seed 1", "seed 1 fold 2").</summary>
    public IReadOnlyList<string> Pairs { get; init; } = [];

    public double SmallestPossibleP => WilcoxonSignedRank.SmallestPossibleP(Result?.NonZero ?? 0, Result?.Alternative ?? TestAlternative.TwoSided);
}
