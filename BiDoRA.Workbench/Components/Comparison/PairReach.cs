using System.Globalization;
using BiDoRA.Engine.Evaluation;

namespace BiDoRA.Workbench.Components.Comparison;

/// <summary>
/// Whether a number of pairs can reach a significance level at all, in one plain sentence. The floor and the pairs
/// needed are the engine's (<see cref="WilcoxonSignedRank"/>): with n non-tied pairs an exact test cannot give a p
/// below 2/2ⁿ two-sided (1/2ⁿ one-sided), whatever the data.
/// </summary>
internal static class PairReach
{
    /// <summary>The levels the Compare page offers.</summary>
    public static readonly double[] Levels = [0.05, 0.01, 0.001];

    public static bool OutOfReach(int pairs, TestAlternative alternative, double alpha) =>
        WilcoxonSignedRank.SmallestPossibleP(pairs, alternative) >= alpha;

    /// <summary><see cref="Describe(int, TestAlternative, double)"/> for a test's non-tied pairs, saying how many tied ones were left out.</summary>
    public static string Describe(WilcoxonResult? result, TestAlternative alternative, double alpha = WilcoxonSentence.Alpha)
    {
        var text = Describe(result?.NonZero ?? 0, alternative, alpha);
        return result is { Zeros: > 0 and var zeros }
            ? $"{text} {(zeros == 1 ? "1 tied pair does" : $"{zeros} tied pairs do")} not count."
            : text;
    }

    /// <summary>"5 pairs: a two-sided p cannot go below 0.0625, so p &lt; 0.05 is out of reach (6 are needed)."</summary>
    public static string Describe(int pairs, TestAlternative alternative, double alpha = WilcoxonSentence.Alpha)
    {
        var side = alternative == TestAlternative.TwoSided ? "two-sided" : "one-sided";
        var level = alpha.ToString(CultureInfo.InvariantCulture);
        var count = pairs == 1 ? "1 pair" : $"{pairs} pairs";
        if (pairs <= 0) return $"No pairs: there is nothing to test, so p < {level} is out of reach.";
        var floor = MetricNames.PValue(WilcoxonSignedRank.SmallestPossibleP(pairs, alternative));
        return OutOfReach(pairs, alternative, alpha)
            ? $"{count}: a {side} p cannot go below {floor}, so p < {level} is out of reach ({WilcoxonSignedRank.PairsNeeded(alpha, alternative)} non-tied pairs are needed)."
            : $"{count}: a {side} p can go as low as {floor}, so p < {level} is within reach.";
    }
}
