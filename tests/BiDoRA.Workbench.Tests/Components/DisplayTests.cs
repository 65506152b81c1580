using BiDoRA.Workbench.Components;

namespace BiDoRA.Workbench.Tests.Components;

public sealed class DisplayTests
{
    [Theory]
    [InlineData(0, "sequence", null, "0 sequences")]
    [InlineData(1, "sequence", null, "1 sequence")]
    [InlineData(2, "run", null, "2 runs")]
    [InlineData(12_345, "row", null, "12,345 rows")]
    [InlineData(1, "analysis", "analyses", "1 analysis")]
    [InlineData(3, "analysis", "analyses", "3 analyses")]
    public void Counts_read_with_the_noun_in_the_right_number(long count, string noun, string? plural, string expected) =>
        Assert.Equal(expected, Display.Plural(count, noun, plural));

    [Theory]
    [InlineData(999, "999")]
    [InlineData(21_500, "21.5 k")]
    [InlineData(7_840_000, "7.84 M")]
    [InlineData(651_042_593, "651.04 M")]
    public void Parameter_counts_are_short(long count, string expected) => Assert.Equal(expected, Display.Count(count));

    [Theory]
    [InlineData(0.4, "<1 s")]
    [InlineData(42, "42 s")]
    [InlineData(125, "2 min 05 s")]
    [InlineData(3 * 3600 + 7 * 60, "3 h 07 min")]
    public void Durations_read_in_the_largest_useful_units(double seconds, string expected) =>
        Assert.Equal(expected, Display.Duration(TimeSpan.FromSeconds(seconds)));
}
