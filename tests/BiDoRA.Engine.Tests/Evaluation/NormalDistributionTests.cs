using BiDoRA.Engine.Evaluation;

namespace BiDoRA.Engine.Tests.Evaluation;

/// <summary>Normal tails against scipy.stats.norm (1.10) values.</summary>
public sealed class NormalDistributionTests
{
    [Theory]
    [InlineData(-1, 0.15865525393145707)]
    [InlineData(0.5, 0.6914624612740131)]
    [InlineData(0, 0.5)]
    public void Cdf_matches_reference(double z, double expected) =>
        Assert.Equal(expected, NormalDistribution.Cdf(z), 15);

    [Theory]
    [InlineData(3, 0.0013498980316300933)]
    [InlineData(2.4, 0.008197535924596131)]
    [InlineData(2.6, 0.004661188023718747)]
    [InlineData(8, 6.22096057427174e-16)]
    [InlineData(30, 4.906713927147908e-198)]
    public void Upper_tail_keeps_its_relative_precision(double z, double expected) =>
        Assert.InRange(Math.Abs(NormalDistribution.UpperTail(z) / expected - 1), 0, 1e-12);
}
