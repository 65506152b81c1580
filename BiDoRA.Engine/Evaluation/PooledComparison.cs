namespace BiDoRA.Engine.Evaluation;

/// <summary>
/// One test over several tasks (sweeps), as the BiDoRA paper pools GLUE's tasks into one p-value: with five seeds
/// on one task a two-sided p cannot go below 0.0625, with three tasks × 3 seeds × 5 folds it can. Pairs are
/// (sweep, seed, fold). Each task is measured on its own headline metric, signed so that a positive improvement
/// always means B did better (for MSE: B's error is lower); the per-task tests use the same signed improvements, so
/// "greater" means "B better" everywhere in a pooled comparison.
/// </summary>
public static class PooledComparison
{
    /// <summary>The significance level the verdicts and the "pairs needed" figure refer to.</summary>
    public const double Alpha = 0.05;

    /// <summary>
    /// Each sweep's runs compared on that sweep's own headline metric (a metric fixed across tasks of different kinds
    /// would not make sense), then pooled: what <c>compare --sweep A --sweep B</c> and the Compare page both report.
    /// </summary>
    /// <param name="sweeps">Each sweep's name and its runs.</param>
    /// <param name="options">A, B and the test's settings; <see cref="ComparisonOptions.Metric"/> is ignored.</param>
    /// <exception cref="ArgumentException">A sweep lacks A or B, or the sweeps compare different groups (ParamName a or b).</exception>
    public static (IReadOnlyList<(string Name, ComparisonResult Result)> Tasks, PooledComparisonResult Pooled) Compare(
        IReadOnlyList<(string Name, IReadOnlyList<ComparedRun> Runs)> sweeps, ComparisonOptions options)
    {
        var tasks = sweeps.Select(s => (s.Name, RunComparison.Compare(s.Runs, options with { Metric = null }))).ToList();
        return (tasks, Pool(tasks, options));
    }

    /// <param name="tasks">Each sweep's name and its comparison (with A and B chosen, the same in every sweep).</param>
    /// <param name="options">Alternative, zero handling and p-value method for the per-task and pooled tests.</param>
    /// <exception cref="ArgumentException">Fewer than one task, or the tasks compare different groups.</exception>
    public static PooledComparisonResult Pool(IReadOnlyList<(string Name, ComparisonResult Result)> tasks, ComparisonOptions options)
    {
        if (tasks.Count == 0) throw new ArgumentException("Give at least one sweep to pool.", nameof(tasks));
        var warnings = new List<string>();
        var pairs = new List<PooledPair>();
        var perTask = new List<TaskTest>();
        string? a = null, b = null;
        foreach (var (name, result) in tasks)
        {
            if (result.Comparison is not { } paired)
            {
                warnings.Add($"{name}: fewer than two groups, nothing to pair; left out.");
                continue;
            }
            if (a is null) (a, b) = (paired.A, paired.B);
            else if (paired.A != a || paired.B != b) throw new ArgumentException($"{name} compares {paired.B} with {paired.A}, the others {b} with {a}; name --a and --b.", "b");
            var test = paired.Tests.First(t => t.Metric == result.PrimaryMetric);
            var sign = test.HigherIsBetter ? 1.0 : -1.0;
            var taskPairs = test.AValues.Select((value, i) => new PooledPair(name, test.Pairs.ElementAtOrDefault(i) ?? $"pair {i + 1}", test.Metric,
                value, test.BValues[i], sign * (test.BValues[i] - value))).ToList();
            pairs.AddRange(taskPairs);
            perTask.Add(new TaskTest(name, result.Task?.ToString().ToLowerInvariant(), test.Metric, test.HigherIsBetter, taskPairs.Count,
                test.MeanDifference, Mean(taskPairs), Signed(taskPairs, options)));
            warnings.AddRange(result.Warnings.Select(w => $"{name}: {w}"));
        }
        var pooled = Signed(pairs, options);
        var floor = WilcoxonSignedRank.SmallestPossibleP(pooled?.NonZero ?? 0, options.Alternative);
        return new PooledComparisonResult(a ?? options.A ?? "", b ?? options.B ?? "", options.Alternative, perTask, pairs, Mean(pairs), pooled, floor,
            WilcoxonSignedRank.PairsNeeded(Alpha, options.Alternative), Reach(pooled, floor, options.Alternative), warnings);
    }

    /// <summary>Plain words on whether this many pairs can reach <see cref="Alpha"/> at all.</summary>
    public static string Reach(WilcoxonResult? result, double floor, TestAlternative alternative)
    {
        var needed = WilcoxonSignedRank.PairsNeeded(Alpha, alternative);
        var side = alternative == TestAlternative.TwoSided ? "two-sided" : "one-sided";
        if (result is null) return "No pair to test.";
        return floor > Alpha
            ? $"{result.NonZero} non-tied pairs cannot reach p < {Alpha} ({side}): the smallest p they can give is {floor:0.####}; at least {needed} are needed."
            : $"{result.NonZero} non-tied pairs can reach p < {Alpha} ({side}; the smallest possible p is {floor:0.###e0}).";
    }

    private static double? Mean(IReadOnlyList<PooledPair> pairs) => pairs.Count == 0 ? null : pairs.Average(p => p.Improvement);

    private static WilcoxonResult? Signed(IReadOnlyList<PooledPair> pairs, ComparisonOptions options) =>
        pairs.Count == 0
            ? null
            : WilcoxonSignedRank.Test(pairs.Select(p => p.Improvement).ToList(), pairs.Select(_ => 0.0).ToList(), options.Alternative,
                options.ZeroMethod, options.PValueMethod, options.ContinuityCorrection);
}

/// <summary>The pooled test of B against A over several sweeps, and each sweep's own test.</summary>
/// <param name="A">The baseline group.</param>
/// <param name="B">The group tested against it.</param>
/// <param name="Alternative">Greater: B is better (signed improvements tend to be positive).</param>
/// <param name="Tasks">One per sweep that had both groups.</param>
/// <param name="Pairs">Every (sweep, seed, fold) pair.</param>
/// <param name="MeanImprovement">Mean signed improvement of B over A over all pairs.</param>
/// <param name="Result">The pooled Wilcoxon signed-rank test on the improvements; null without pairs.</param>
/// <param name="SmallestPossibleP">The smallest p this many non-tied pairs can give.</param>
/// <param name="PairsNeeded">Fewest non-tied pairs that can reach p &lt; 0.05 with this alternative.</param>
/// <param name="Reach">The same in words.</param>
/// <param name="Warnings">Per sweep: unpaired runs, missing groups.</param>
public sealed record PooledComparisonResult(
    string A,
    string B,
    TestAlternative Alternative,
    IReadOnlyList<TaskTest> Tasks,
    IReadOnlyList<PooledPair> Pairs,
    double? MeanImprovement,
    WilcoxonResult? Result,
    double SmallestPossibleP,
    int PairsNeeded,
    string Reach,
    IReadOnlyList<string> Warnings);

/// <summary>One sweep inside a pooled comparison.</summary>
/// <param name="Name">The sweep's name.</param>
/// <param name="Task">binary, multiclass or regression.</param>
/// <param name="Metric">Its headline metric.</param>
/// <param name="HigherIsBetter">Whether a larger metric is better (false for MSE).</param>
/// <param name="Pairs">Pairs with a value on both sides.</param>
/// <param name="MeanDifference">Mean raw B − A.</param>
/// <param name="MeanImprovement">Mean signed improvement (positive: B better).</param>
/// <param name="Result">The Wilcoxon test of the signed improvements of this sweep alone.</param>
public sealed record TaskTest(string Name, string? Task, string Metric, bool HigherIsBetter, int Pairs, double? MeanDifference, double? MeanImprovement, WilcoxonResult? Result);

/// <summary>One (sweep, seed, fold) pair.</summary>
/// <param name="Task">The sweep's name.</param>
/// <param name="Pair">"seed 1 fold 2".</param>
/// <param name="Metric">The sweep's headline metric.</param>
/// <param name="A">A's value.</param>
/// <param name="B">B's value.</param>
/// <param name="Improvement">B − A, negated for error metrics: positive when B is better.</param>
public sealed record PooledPair(string Task, string Pair, string Metric, double A, double B, double Improvement);
