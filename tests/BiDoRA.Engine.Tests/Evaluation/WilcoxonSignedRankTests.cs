using BiDoRA.Engine.Evaluation;

namespace BiDoRA.Engine.Tests.Evaluation;

/// <summary>The signed-rank test against published results (each source named at its test) and against brute-force enumeration.</summary>
public sealed class WilcoxonSignedRankTests
{
    // Fisher (1935), The Design of Experiments: height differences of cross- and self-fertilised Zea mays pairs, as used in
    // the example of the scipy.stats.wilcoxon documentation, which gives these statistics and exact p-values.
    private static readonly double[] FisherDifferences = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75];

    // Hollander & Wolfe (1999), Nonparametric Statistical Methods, 2nd ed., Example 3.1 (Hamilton depression scale,
    // first and second visit), the example of R's ?wilcox.test: V = 40, p-value = 0.01953 (alternative "greater", exact).
    private static readonly double[] DepressionFirst = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30];
    private static readonly double[] DepressionSecond = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];

    // Paired data with one zero difference and a tie (|d| = 5 twice), from SciPy's test suite (test_morestats.py,
    // TestWilcoxon.test_onesided), whose expected values were produced by R 3.4.1:
    // wilcox.test(x, y, paired = TRUE, exact = FALSE, alternative = ..., correct = ...).
    private static readonly double[] PressureX = [125, 115, 130, 140, 140, 115, 140, 125, 140, 135];
    private static readonly double[] PressureY = [110, 122, 125, 120, 140, 124, 123, 137, 135, 145];

    [Fact]
    public void Fisher_exact_two_sided_matches_the_scipy_documentation()
    {
        var result = WilcoxonSignedRank.Test(FisherDifferences);
        Assert.Equal(PValueMethod.Exact, result.Method);
        Assert.Equal(24, result.Statistic);
        Assert.Equal(96, result.WPlus);
        Assert.Equal(24, result.WMinus);
        Assert.Equal(0.041259765625, result.PValue, 15);
    }

    [Fact]
    public void Fisher_exact_greater_matches_the_scipy_documentation()
    {
        var result = WilcoxonSignedRank.Test(FisherDifferences, TestAlternative.Greater);
        Assert.Equal(96, result.Statistic);
        Assert.Equal(0.0206298828125, result.PValue, 15);
        // The opposite direction is the other tail of the same distribution: P(W+ ≤ 96) = 1 − P(W+ ≥ 97).
        var less = WilcoxonSignedRank.Test(FisherDifferences, TestAlternative.Less);
        Assert.True(less.PValue > 0.97);
    }

    [Fact]
    public void Fisher_normal_approximation_without_correction_matches_scipy()
    {
        // scipy.stats.wilcoxon(d, alternative='greater', method='approx') (correction=False): 0.020444066455927955.
        var result = WilcoxonSignedRank.Test(FisherDifferences, TestAlternative.Greater, method: PValueMethod.Normal, continuityCorrection: false);
        Assert.Equal(PValueMethod.Normal, result.Method);
        Assert.False(result.ContinuityCorrection);
        Assert.Equal(0.020444066455927955, result.PValue, 12);
        // By hand: E[W+] = 15·16/4 = 60, Var = 15·16·31/24 = 310.
        Assert.Equal(60, result.Mean);
        Assert.Equal(310, result.Variance, 12);
    }

    [Fact]
    public void Hollander_Wolfe_depression_example_matches_R()
    {
        var greater = WilcoxonSignedRank.Test(DepressionFirst, DepressionSecond, TestAlternative.Greater);
        Assert.Equal(40, greater.WPlus);          // R: V = 40
        Assert.Equal(5, greater.WMinus);
        Assert.Equal(PValueMethod.Exact, greater.Method);
        Assert.Equal(0.01953125, greater.PValue, 12);   // R: p-value = 0.01953 (= 10/512)
        var twoSided = WilcoxonSignedRank.Test(DepressionFirst, DepressionSecond);
        Assert.Equal(0.0390625, twoSided.PValue, 12);
        Assert.Equal(5, twoSided.Statistic);

        // Effect sizes by hand: Z = (40 − 22.5)/√71.25 = 2.0732, r = Z/√9, rank-biserial = (40 − 5)/45.
        Assert.Equal(17.5 / Math.Sqrt(71.25), greater.Z, 12);
        Assert.Equal(2.0732, greater.Z, 4);
        Assert.Equal(greater.Z / 3, greater.EffectSizeR, 12);
        Assert.Equal(35.0 / 45, greater.RankBiserial, 12);
    }

    [Theory]
    [InlineData(TestAlternative.Less, false, 0.7031847)]
    [InlineData(TestAlternative.Less, true, 0.7233656)]
    [InlineData(TestAlternative.Greater, false, 0.2968153)]
    [InlineData(TestAlternative.Greater, true, 0.3176447)]
    public void Zero_difference_and_ties_normal_approximation_matches_R(TestAlternative alternative, bool correct, double expected)
    {
        var result = WilcoxonSignedRank.Test(PressureX, PressureY, alternative, method: PValueMethod.Normal, continuityCorrection: correct);
        Assert.Equal(27, result.WPlus);           // R: V = 27
        Assert.Equal(18, result.WMinus);
        Assert.Equal(10, result.Pairs);
        Assert.Equal(1, result.Zeros);
        Assert.Equal(9, result.NonZero);
        Assert.True(result.HasTies);
        // Tie-corrected variance by hand: 9·10·19/24 − (2³ − 2)/48 = 71.125.
        Assert.Equal(71.125, result.Variance, 12);
        Assert.Equal(expected, result.PValue, 6);
    }

    [Fact]
    public void Zero_difference_and_ties_two_sided_matches_scipy()
    {
        // scipy.stats.wilcoxon(x, y) (normal, no correction) gives statistic 18 and p = 0.5936305914425295;
        // with correction=True p = 0.6352893188352069.
        var plain = WilcoxonSignedRank.Test(PressureX, PressureY, method: PValueMethod.Normal, continuityCorrection: false);
        Assert.Equal(18, plain.Statistic);
        Assert.Equal(0.5936305914425295, plain.PValue, 12);
        var corrected = WilcoxonSignedRank.Test(PressureX, PressureY, method: PValueMethod.Normal);
        Assert.Equal(0.6352893188352069, corrected.PValue, 12);
    }

    [Fact]
    public void Pratt_keeps_the_zero_in_the_ranking()
    {
        // |d| with the zero ranked first: 0→1, 5,5→2.5, 7→4, 9→5, 10→6, 12→7, 15→8, 17→9, 20→10.
        var result = WilcoxonSignedRank.Test(PressureX, PressureY, zeroMethod: ZeroDifferenceMethod.Pratt, method: PValueMethod.Normal, continuityCorrection: false);
        Assert.Equal(32, result.WPlus);
        Assert.Equal(22, result.WMinus);
        Assert.Equal(27, result.Mean);           // (54)/2: the zero's rank is left out
        Assert.Equal(95.875, result.Variance, 12);
        // scipy.stats.wilcoxon(x, y, zero_method='pratt'): statistic 22, p = 0.6096011155205022;
        // with correction=True, alternative='greater': p = 0.3229093508388625.
        Assert.Equal(22, result.Statistic);
        Assert.Equal(0.6096011155205022, result.PValue, 12);
        var greater = WilcoxonSignedRank.Test(PressureX, PressureY, TestAlternative.Greater, ZeroDifferenceMethod.Pratt, PValueMethod.Normal);
        Assert.Equal(0.3229093508388625, greater.PValue, 12);
        Assert.Equal(result.Z / Math.Sqrt(10), result.EffectSizeR, 12);
    }

    [Theory]
    [InlineData(false, 0.001565402)]
    [InlineData(true, 0.001904195)]
    public void Ten_tied_differences_match_R(bool correct, double expected)
    {
        // R: wilcox.test(rep(0.1, 10), exact = FALSE, correct = ...)$p.value, quoted in SciPy's TestWilcoxon.test_wilcoxon_tie.
        var result = WilcoxonSignedRank.Test(Enumerable.Repeat(0.1, 10).ToArray(), method: PValueMethod.Normal, continuityCorrection: correct);
        Assert.Equal(0, result.Statistic);
        Assert.Equal(expected, result.PValue, 8);
    }

    [Fact]
    public void Exact_with_ties_uses_the_midranks()
    {
        // All ten ranks are 5.5, so W+ = 5.5·K with K ~ Binomial(10, ½): P(W+ = 55) = 2⁻¹⁰, two-sided 2·2⁻¹⁰.
        var result = WilcoxonSignedRank.Test(Enumerable.Repeat(0.1, 10).ToArray());
        Assert.Equal(PValueMethod.Exact, result.Method);
        Assert.Equal(2.0 / 1024, result.PValue, 15);
    }

    [Theory]
    [InlineData(TestAlternative.TwoSided, ZeroDifferenceMethod.Wilcox)]
    [InlineData(TestAlternative.Greater, ZeroDifferenceMethod.Wilcox)]
    [InlineData(TestAlternative.Less, ZeroDifferenceMethod.Wilcox)]
    [InlineData(TestAlternative.TwoSided, ZeroDifferenceMethod.Pratt)]
    [InlineData(TestAlternative.Less, ZeroDifferenceMethod.Pratt)]
    public void Exact_p_value_equals_enumerating_every_sign_pattern(TestAlternative alternative, ZeroDifferenceMethod zeros)
    {
        // Ties (two 5s, three 9s) and two zeros; the reference enumerates all 2^n sign assignments of the midranks.
        double[] d = [5, -5, 9, 9, -9, 0, 3, -12, 0, 14, 2, -1];
        var result = WilcoxonSignedRank.Test(d, alternative, zeros, PValueMethod.Exact);

        var kept = zeros == ZeroDifferenceMethod.Pratt ? d : d.Where(v => v != 0).ToArray();
        var ranks = Ranking.AverageRanks(kept.Select(Math.Abs).ToList());
        var signed = Enumerable.Range(0, kept.Length).Where(i => kept[i] != 0).Select(i => ranks[i]).ToArray();
        var observed = Enumerable.Range(0, kept.Length).Where(i => kept[i] > 0).Sum(i => ranks[i]);
        Assert.Equal(observed, result.WPlus);
        long atLeast = 0, atMost = 0, total = 1L << signed.Length;
        for (long mask = 0; mask < total; mask++)
        {
            double w = 0;
            for (var k = 0; k < signed.Length; k++) if ((mask >> k & 1) == 1) w += signed[k];
            if (w >= observed - 1e-9) atLeast++;
            if (w <= observed + 1e-9) atMost++;
        }
        var expected = alternative switch
        {
            TestAlternative.Greater => (double)atLeast / total,
            TestAlternative.Less => (double)atMost / total,
            _ => Math.Min(1, 2.0 * Math.Min(atLeast, atMost) / total),
        };
        Assert.Equal(expected, result.PValue, 14);
        Assert.True(result.HasTies);
    }

    [Fact]
    public void Exact_distribution_sums_to_one_and_is_symmetric()
    {
        var f = WilcoxonSignedRank.ExactDistribution([1, 2, 3.5, 3.5, 5]);
        Assert.Equal(1, f.Sum(), 14);
        for (var s = 0; s < f.Length; s++) Assert.Equal(f[s], f[^(s + 1)], 15);
    }

    [Fact]
    public void Auto_switches_to_the_normal_approximation_beyond_the_exact_limit()
    {
        var small = Enumerable.Range(1, WilcoxonSignedRank.ExactLimit).Select(i => i % 3 == 0 ? -i : (double)i).ToArray();
        var large = Enumerable.Range(1, WilcoxonSignedRank.ExactLimit + 1).Select(i => i % 3 == 0 ? -i : (double)i).ToArray();
        Assert.Equal(PValueMethod.Exact, WilcoxonSignedRank.Test(small).Method);
        var normal = WilcoxonSignedRank.Test(large);
        Assert.Equal(PValueMethod.Normal, normal.Method);
        Assert.True(normal.ContinuityCorrection);
        // Near the limit both methods agree closely.
        var exact = WilcoxonSignedRank.Test(large, method: PValueMethod.Exact);
        Assert.InRange(Math.Abs(exact.PValue - normal.PValue), 0, 0.01);
    }

    [Fact]
    public void Differences_equal_up_to_rounding_are_zero_and_tied()
    {
        // Accuracies on 38 test sequences: 30/38 − 29/38 and 21/38 − 20/38 differ only in their last bits.
        double[] a = [30 / 38.0, 21 / 38.0, 0.5, 0.7];
        double[] b = [29 / 38.0, 20 / 38.0, 0.5, 0.6];
        var result = WilcoxonSignedRank.Test(a, b);
        Assert.Equal(1, result.Zeros);
        Assert.Equal(3, result.NonZero);
        Assert.True(result.HasTies);
        Assert.Equal(1.5 + 1.5 + 3, result.WPlus);   // the two 1/38 tie at rank 1.5, 0.1 ranks 3
    }

    [Fact]
    public void All_zero_differences_give_no_evidence()
    {
        var result = WilcoxonSignedRank.Test([0.8, 0.7], [0.8, 0.7]);
        Assert.Equal(2, result.Zeros);
        Assert.Equal(0, result.NonZero);
        Assert.Equal(1, result.PValue);
        Assert.True(double.IsNaN(result.EffectSizeR));
    }

    [Fact]
    public void Bad_input_is_refused_naming_the_value()
    {
        var lengths = Assert.Throws<ArgumentException>(() => WilcoxonSignedRank.Test([1, 2], [1]));
        Assert.Contains("x has 2 values, y has 1", lengths.Message);
        var nan = Assert.Throws<ArgumentException>(() => WilcoxonSignedRank.Test([1, double.NaN], [1, 2]));
        Assert.Contains("x[1]", nan.Message);
    }
}
