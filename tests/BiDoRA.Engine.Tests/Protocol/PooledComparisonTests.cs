using BiDoRA.Engine.Data;
using BiDoRA.Engine.Evaluation;

namespace BiDoRA.Engine.Tests.Protocol;

/// <summary>
/// The pooled Wilcoxon test against values worked out by hand by exact enumeration of the 2ⁿ sign patterns (what
/// <c>scipy.stats.wilcoxon(d, method="exact")</c> computes; SciPy itself is not installed here).
/// </summary>
public sealed class PooledComparisonTests
{
    private static ComparisonResult Task(string metric, TaskKind task, double[] a, double[] b)
    {
        var pairs = Enumerable.Range(1, a.Length).Select(s => $"seed {s}").ToList();
        var test = new MetricTest(metric, MetricCatalog.HigherIsBetter(metric), a, b, b.Zip(a).Average(p => p.First - p.Second), null) { Pairs = pairs };
        var paired = new PairedComparison("dora", "bidora", TestAlternative.TwoSided, [1, 2, 3, 4], [], [test]);
        return new ComparisonResult(task, "test", [metric], metric, [], [], paired, []);
    }

    // Improvements (B better positive): accuracy +.021 −.013 +.034 +.052; MSE lowered by .045, raised by .026, lowered by .067 and .018.
    private static readonly (string, ComparisonResult)[] Tasks =
    [
        ("bbp", Task("accuracy", TaskKind.Binary, [0.5, 0.5, 0.5, 0.5], [0.521, 0.487, 0.534, 0.552])),
        ("mic", Task("mse", TaskKind.Regression, [1, 1, 1, 1], [0.955, 1.026, 0.933, 0.982])),
    ];

    [Fact]
    public void Pooled_test_ranks_the_signed_improvements_of_every_task_together()
    {
        var pooled = PooledComparison.Pool(Tasks, new ComparisonOptions());
        Assert.Equal(8, pooled.Pairs.Count);
        Assert.Equal([0.021, -0.013, 0.034, 0.052, 0.045, -0.026, 0.067, 0.018], pooled.Pairs.Select(p => Math.Round(p.Improvement, 9)));
        // |d| ranks 1..8; the negative ones are .013 (rank 1) and .026 (rank 4): W− = 5, W+ = 31.
        // P(W− ≤ 5) = #{subsets of 1..8 summing to ≤ 5} / 2⁸ = 10/256, two-sided p = 0.078125.
        var result = pooled.Result!;
        Assert.Equal((31.0, 5.0, 5.0), (result.WPlus, result.WMinus, result.Statistic));
        Assert.Equal(PValueMethod.Exact, result.Method);
        Assert.Equal(0.078125, result.PValue, 12);
        Assert.Equal(2 / 256.0, pooled.SmallestPossibleP, 12);
        Assert.Equal(6, pooled.PairsNeeded);
        Assert.Contains("can reach p < 0.05", pooled.Reach);

        // Per task: bbp W− = 1 of ranks 1..4 → p = 2·2/16 = 0.25; mic W− = 2 → p = 2·3/16 = 0.375.
        Assert.Equal([0.25, 0.375], pooled.Tasks.Select(t => t.Result!.PValue));
        Assert.Equal(0.0235, pooled.Tasks[0].MeanImprovement!.Value, 9);
        Assert.Equal(0.026, pooled.Tasks[1].MeanImprovement!.Value, 9);
        Assert.Equal(-0.026, pooled.Tasks[1].MeanDifference!.Value, 9);    // raw B − A: the MSE went down

        // One-sided (B better): P(W+ ≥ 31) = 10/256.
        var greater = PooledComparison.Pool(Tasks, new ComparisonOptions { Alternative = TestAlternative.Greater });
        Assert.Equal(10 / 256.0, greater.Result!.PValue, 12);
        Assert.Equal(5, greater.PairsNeeded);
    }

    [Fact]
    public void Says_when_the_pairs_cannot_reach_the_level()
    {
        var pooled = PooledComparison.Pool([Tasks[0]], new ComparisonOptions());
        Assert.Equal(0.125, pooled.SmallestPossibleP, 12);          // 4 pairs: 2/2⁴
        Assert.Contains("cannot reach p < 0.05", pooled.Reach);
        Assert.Contains("at least 6", pooled.Reach);
        Assert.Equal(0.0625, WilcoxonSignedRank.SmallestPossibleP(5, TestAlternative.TwoSided), 12);   // the five seeds
    }
}
