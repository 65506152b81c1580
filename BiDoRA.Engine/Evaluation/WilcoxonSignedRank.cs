namespace BiDoRA.Engine.Evaluation;

/// <summary>
/// The Wilcoxon signed-rank test for paired samples (e.g. two methods' scores paired by seed). Ties get midranks;
/// the exact p-value enumerates the sign patterns of the observed midranks (a conditional exact test, exact with
/// ties and Pratt's zeros too); the normal approximation uses the tie-corrected variance and, by default, a
/// continuity correction of ½, as R's <c>wilcox.test(paired = TRUE)</c> does.
/// </summary>
public static class WilcoxonSignedRank
{
    /// <summary>With <see cref="PValueMethod.Auto"/>, the exact distribution is used up to this many signed differences (SciPy's classic limit).</summary>
    public const int ExactLimit = 25;

    /// <summary>The exact distribution is affordable far beyond <see cref="ExactLimit"/>; past this it is refused.</summary>
    public const int ExactMaximum = 200;

    /// <summary>Relative closeness under which two |d| count as tied and a difference counts as zero: metrics computed in floating point (e.g. 3/38 − 1/38 against 5/38 − 3/38) differ only in their last bits.</summary>
    public const double RelativeTolerance = 1e-9;

    /// <summary>
    /// The smallest p-value an exact test of <paramref name="signed"/> non-tied pairs can reach: 1/2ⁿ one-sided,
    /// 2/2ⁿ two-sided (every difference on one side). Below 5 pairs (two-sided: 6) p &lt; 0.05 is out of reach.
    /// </summary>
    public static double SmallestPossibleP(int signed, TestAlternative alternative) =>
        signed <= 0 ? 1 : Math.Min(1, (alternative == TestAlternative.TwoSided ? 2 : 1) / Math.Pow(2, signed));

    /// <summary>Fewest non-tied pairs with which an exact test can reach p ≤ <paramref name="alpha"/>.</summary>
    public static int PairsNeeded(double alpha, TestAlternative alternative)
    {
        var n = 1;
        while (SmallestPossibleP(n, alternative) > alpha && n < 64) n++;
        return n;
    }

    /// <summary>Tests x against y, pair by pair (d = x − y).</summary>
    /// <exception cref="ArgumentException">The lists differ in length, or a value is not finite (the message names the index).</exception>
    public static WilcoxonResult Test(
        IReadOnlyList<double> x,
        IReadOnlyList<double> y,
        TestAlternative alternative = TestAlternative.TwoSided,
        ZeroDifferenceMethod zeroMethod = ZeroDifferenceMethod.Wilcox,
        PValueMethod method = PValueMethod.Auto,
        bool continuityCorrection = true)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count) throw new ArgumentException($"The samples must be paired: x has {x.Count} values, y has {y.Count}.", nameof(y));
        var d = new double[x.Count];
        for (var i = 0; i < d.Length; i++)
        {
            if (!double.IsFinite(x[i])) throw new ArgumentException($"x[{i}] is {x[i]}; every value must be a finite number.", nameof(x));
            if (!double.IsFinite(y[i])) throw new ArgumentException($"y[{i}] is {y[i]}; every value must be a finite number.", nameof(y));
            var difference = x[i] - y[i];
            // x and y equal up to rounding: a zero difference, not a tiny signed one.
            d[i] = Math.Abs(difference) <= RelativeTolerance * Math.Max(Math.Abs(x[i]), Math.Abs(y[i])) ? 0 : difference;
        }
        return Test(d, alternative, zeroMethod, method, continuityCorrection);
    }

    /// <summary>Tests the differences themselves against a centre of 0.</summary>
    /// <exception cref="ArgumentException">A difference is not finite, or an exact p-value is asked for more than <see cref="ExactMaximum"/> differences.</exception>
    public static WilcoxonResult Test(
        IReadOnlyList<double> differences,
        TestAlternative alternative = TestAlternative.TwoSided,
        ZeroDifferenceMethod zeroMethod = ZeroDifferenceMethod.Wilcox,
        PValueMethod method = PValueMethod.Auto,
        bool continuityCorrection = true)
    {
        ArgumentNullException.ThrowIfNull(differences);
        for (var i = 0; i < differences.Count; i++)
        {
            if (!double.IsFinite(differences[i])) throw new ArgumentException($"difference [{i}] is {differences[i]}; every value must be a finite number.", nameof(differences));
        }
        var pairs = differences.Count;
        var zeros = differences.Count(v => v == 0);
        var ranked = zeroMethod == ZeroDifferenceMethod.Pratt ? differences.ToArray() : differences.Where(v => v != 0).ToArray();
        var ranks = MidRanks(ranked.Select(Math.Abs).ToArray());

        // Only signed differences enter W+ and W−, and only their ranks move under H0.
        var signedRanks = new List<double>(ranked.Length);
        double wPlus = 0, wMinus = 0;
        for (var i = 0; i < ranked.Length; i++)
        {
            if (ranked[i] > 0) wPlus += ranks[i];
            else if (ranked[i] < 0) wMinus += ranks[i];
            else continue;
            signedRanks.Add(ranks[i]);
        }
        var nonZero = signedRanks.Count;
        var hasTies = signedRanks.Distinct().Count() < nonZero;
        var mean = signedRanks.Sum() / 2;
        var variance = signedRanks.Sum(r => r * r) / 4;
        var statistic = alternative == TestAlternative.TwoSided ? Math.Min(wPlus, wMinus) : wPlus;
        var used = method switch
        {
            PValueMethod.Auto => nonZero <= ExactLimit ? PValueMethod.Exact : PValueMethod.Normal,
            _ => method,
        };
        if (used == PValueMethod.Exact && nonZero > ExactMaximum)
        {
            throw new ArgumentException($"An exact p-value for {nonZero} differences is not computed (at most {ExactMaximum}); use the normal approximation.", nameof(method));
        }

        if (nonZero == 0)
        {
            // Every difference is zero: no evidence either way.
            return new WilcoxonResult(pairs, zeros, 0, 0, 0, 0, hasTies, alternative, zeroMethod, used, false, 0, 0, double.NaN, 1, double.NaN, double.NaN);
        }

        var z = (wPlus - mean) / Math.Sqrt(variance);
        double p;
        var corrected = false;
        if (used == PValueMethod.Exact)
        {
            p = ExactPValue(signedRanks, wPlus, alternative);
        }
        else
        {
            corrected = continuityCorrection;
            p = NormalPValue(wPlus, mean, Math.Sqrt(variance), alternative, continuityCorrection);
        }
        var rankedCount = zeroMethod == ZeroDifferenceMethod.Pratt ? pairs : nonZero;
        return new WilcoxonResult(pairs, zeros, nonZero, wPlus, wMinus, statistic, hasTies, alternative, zeroMethod, used, corrected,
            mean, variance, z, p, z / Math.Sqrt(rankedCount), (wPlus - wMinus) / (wPlus + wMinus));
    }

    /// <summary>The exact null distribution of W+ as probabilities over doubled rank sums (midranks doubled are integers).</summary>
    public static double[] ExactDistribution(IReadOnlyList<double> ranks)
    {
        var doubled = ranks.Select(Doubled).ToArray();
        var total = doubled.Sum();
        var f = new double[total + 1];
        f[0] = 1;
        var reach = 0;
        foreach (var r in doubled)
        {
            // Each rank joins W+ or not with probability ½; walk down so each rank is used once.
            for (var s = reach + r; s >= 0; s--)
            {
                f[s] = 0.5 * (f[s] + (s >= r ? f[s - r] : 0));
            }
            reach += r;
        }
        return f;
    }

    private static int Doubled(double rank)
    {
        var twice = 2 * rank;
        var rounded = Math.Round(twice);
        if (Math.Abs(twice - rounded) > 1e-9) throw new ArgumentException($"{rank} is not a midrank (an integer or a half-integer).", nameof(rank));
        return (int)rounded;
    }

    private static double ExactPValue(IReadOnlyList<double> ranks, double wPlus, TestAlternative alternative)
    {
        var f = ExactDistribution(ranks);
        var observed = Doubled(wPlus);
        double upper = 0, lower = 0;
        for (var s = 0; s < f.Length; s++)
        {
            if (s >= observed) upper += f[s];
            if (s <= observed) lower += f[s];
        }
        return alternative switch
        {
            TestAlternative.Greater => Math.Min(1, upper),
            TestAlternative.Less => Math.Min(1, lower),
            _ => Math.Min(1, 2 * Math.Min(upper, lower)),
        };
    }

    private static double NormalPValue(double wPlus, double mean, double sd, TestAlternative alternative, bool correction)
    {
        var shift = correction ? 0.5 : 0;
        switch (alternative)
        {
            case TestAlternative.Greater:
                return NormalDistribution.UpperTail((wPlus - mean - shift) / sd);
            case TestAlternative.Less:
                return NormalDistribution.Cdf((wPlus - mean + shift) / sd);
            default:
                var z = (wPlus - mean - Math.Sign(wPlus - mean) * shift) / sd;
                return Math.Min(1, 2 * NormalDistribution.UpperTail(Math.Abs(z)));
        }
    }

    /// <summary>1-based ranks of non-negative values, ties (up to <see cref="RelativeTolerance"/>) sharing their midrank.</summary>
    private static double[] MidRanks(double[] values)
    {
        var order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Length];
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && values[order[end + 1]] - values[order[start]] <= RelativeTolerance * values[order[end + 1]]) end++;
            var rank = (start + end) / 2.0 + 1;
            for (var k = start; k <= end; k++) ranks[order[k]] = rank;
            start = end + 1;
        }
        return ranks;
    }
}
