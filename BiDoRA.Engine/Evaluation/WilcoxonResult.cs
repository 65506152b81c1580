namespace BiDoRA.Engine.Evaluation;

/// <summary>
/// The outcome of a Wilcoxon signed-rank test on differences d = x − y.
/// </summary>
/// <param name="Pairs">Pairs given.</param>
/// <param name="Zeros">Pairs whose difference is zero.</param>
/// <param name="NonZero">Differences that carry a sign (Pairs − Zeros).</param>
/// <param name="WPlus">Sum of the ranks of positive differences.</param>
/// <param name="WMinus">Sum of the ranks of negative differences.</param>
/// <param name="Statistic">SciPy's reported statistic: min(W+, W−) for two-sided, W+ for one-sided tests (R's V is always W+).</param>
/// <param name="HasTies">Some |d| share a midrank.</param>
/// <param name="Alternative">The alternative tested.</param>
/// <param name="ZeroMethod">How zero differences were treated.</param>
/// <param name="Method">How the p-value was computed (Exact or Normal, never Auto).</param>
/// <param name="ContinuityCorrection">Whether the normal approximation was corrected by ½ towards the mean.</param>
/// <param name="Mean">E[W+] under H0: half the sum of the signed differences' ranks.</param>
/// <param name="Variance">Var[W+] under H0: a quarter of the sum of their squared ranks (this is n(n+1)(2n+1)/24 less the tie correction Σ(t³ − t)/48).</param>
/// <param name="Z">(W+ − Mean)/√Variance without continuity correction, so that the effect size does not depend on the p-value method; NaN when nothing carries a sign.</param>
/// <param name="PValue">The p-value for <paramref name="Alternative"/>.</param>
/// <param name="EffectSizeR">r = Z/√n with n the ranked differences (NonZero for Wilcox, Pairs for Pratt).</param>
/// <param name="RankBiserial">Matched-pairs rank-biserial correlation (Kerby 2014): (W+ − W−)/(W+ + W−), in [−1, 1].</param>
public sealed record WilcoxonResult(
    int Pairs,
    int Zeros,
    int NonZero,
    double WPlus,
    double WMinus,
    double Statistic,
    bool HasTies,
    TestAlternative Alternative,
    ZeroDifferenceMethod ZeroMethod,
    PValueMethod Method,
    bool ContinuityCorrection,
    double Mean,
    double Variance,
    double Z,
    double PValue,
    double EffectSizeR,
    double RankBiserial);
