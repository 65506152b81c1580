using System.Globalization;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Workbench.Components.Sweeps;

namespace BiDoRA.Workbench.Components.Comparison;

/// <summary>
/// A paired test in one plain sentence: how often B beat A, the p-value and how it was computed, and whether it is
/// significant, including when the number of seeds makes significance impossible.
/// </summary>
internal static class WilcoxonSentence
{
    public const double Alpha = 0.05;

    public static string Describe(MetricTest test, string a, string b, TestAlternative alternative)
    {
        var (nameA, nameB, metric) = (SweepDisplay.Method(a), SweepDisplay.Method(b), MetricNames.Of(test.Metric));
        var n = test.AValues.Count;
        if (test.Result is not { } result || n == 0)
        {
            return $"No seed has a {metric} for both {nameB} and {nameA}, so there is nothing to test.";
        }
        var higher = test.AValues.Zip(test.BValues).Count(p => p.Second > p.First);
        var lower = test.AValues.Zip(test.BValues).Count(p => p.Second < p.First);
        var ties = n - higher - lower;
        var side = alternative switch
        {
            TestAlternative.Greater => $"one-sided, {nameB} greater",
            TestAlternative.Less => $"one-sided, {nameB} less",
            _ => "two-sided",
        };
        // Cross-validated sweeps pair by (seed, fold): "pairs" then, so nobody reads 10 folds as 10 seeds.
        var seeds = test.Pairs.Any(p => p.Contains("fold", StringComparison.Ordinal)) ? (n == 1 ? "pair (seed, fold)" : "pairs (seed, fold)") : n == 1 ? "seed" : "seeds";
        if (ties == n)
        {
            // The alternative is still named: a reader who asked for a one-sided test should see it was honoured.
            return $"{nameB} and {nameA} have the same {metric} in all {n} {seeds}, so the test ({side}) cannot tell them apart (p = {MetricNames.PValue(result.PValue)}).";
        }
        var (count, direction) = higher >= lower ? (higher, "higher") : (lower, "lower");
        var tieText = ties > 0 ? $" ({ties} tied)" : "";
        var how = result.Method == PValueMethod.Exact ? "exact" : "normal approximation";
        var p = MetricNames.PValue(result.PValue);
        var verdict = Verdict(result, alternative, seeds.StartsWith("pair", StringComparison.Ordinal) ? "pairs" : "seeds");
        var better = test.HigherIsBetter ? "" : $" (lower {metric} is better)";
        return $"{nameB}'s {metric} is {direction} than {nameA}'s in {count} of {n} {seeds}{tieText}{better}; p = {p} ({how}, {side}): {verdict}.";
    }

    private static string Verdict(WilcoxonResult result, TestAlternative alternative, string unit)
    {
        var alpha = Alpha.ToString(CultureInfo.InvariantCulture);
        if (result.PValue < Alpha) return $"significant at {alpha}";
        var floor = WilcoxonSignedRank.SmallestPossibleP(result.NonZero, alternative);
        return floor >= Alpha
            ? $"not significant at {alpha} with so few {unit} ({result.NonZero} non-tied pairs cannot give p below {MetricNames.PValue(floor)})"
            : $"not significant at {alpha}";
    }
}
