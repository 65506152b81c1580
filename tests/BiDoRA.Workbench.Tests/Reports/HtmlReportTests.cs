using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Reports;

namespace BiDoRA.Workbench.Tests.Reports;

/// <summary>The HTML reports on hand-made data: user text is escaped, empty parts say so, charts scale.</summary>
public sealed class HtmlReportTests
{
    private const string Hostile = "<script>alert('x')</script>";

    private static ComparisonResult Comparison(string runName)
    {
        var metrics = new Dictionary<string, double> { ["accuracy"] = 0.8 };
        var summary = SampleSummary.Of([0.8]);
        ComparedRunRow Row(string id, string group, AdapterMethod method) =>
            new(id, runName, group, method, 1, true, "completed", metrics, 2000, 1000, 12.5, 10, null);
        GroupSummary Group(string group, AdapterMethod method) =>
            new(group, method, 1, 1, [1], new Dictionary<string, SampleSummary> { ["accuracy"] = summary }, SampleSummary.Of([2000]), SampleSummary.Of([1000]), SampleSummary.Of([12.5]));
        return new ComparisonResult(TaskKind.Binary, "test", ["accuracy"], "accuracy",
            [Row("a", "dora", AdapterMethod.Dora), Row("b", "bidora", AdapterMethod.BiDora)],
            [Group("dora", AdapterMethod.Dora), Group("bidora", AdapterMethod.BiDora)],
            null, [Hostile]);
    }

    [Fact]
    public void Names_and_warnings_are_escaped()
    {
        var html = HtmlReport.ForComparison(new ComparisonReportData { Title = Hostile, Comparison = Comparison(Hostile) });
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;", html);
        Assert.Contains("<svg", html);
    }

    [Fact]
    public void A_run_without_results_says_what_is_missing()
    {
        var html = HtmlReport.ForRun(new RunReportData
        {
            Title = Hostile,
            Status = "queued",
            Plan = new RunPlan { DatasetPath = "d.csv", OutputDirectory = "/tmp/x" },
        });
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("no data yet", html);
        Assert.Contains("No analysis snapshots yet", html);
        Assert.Contains("Settings", html);
    }

    [Theory]
    [InlineData(0, 1, 0.2)]
    [InlineData(0.0012, 0.0087, 0.002)]
    [InlineData(-8.04, 3.1, 5)]
    [InlineData(5, 5, 0.2)]
    [InlineData(0.3, 0.30000001, 2e-9)]
    public void Axis_ticks_cover_the_range_with_round_steps(double min, double max, double step)
    {
        var ticks = SvgChart.Ticks(min, max);
        Assert.True(ticks[0] <= min && ticks[^1] >= max, $"[{ticks[0]}, {ticks[^1]}] does not cover [{min}, {max}]");
        Assert.InRange(ticks.Length, 3, 12);
        Assert.All(ticks.Zip(ticks.Skip(1)), p => Assert.Equal(step, p.Second - p.First, 12));
    }
}
