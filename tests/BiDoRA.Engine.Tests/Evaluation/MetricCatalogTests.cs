using BiDoRA.Engine.Data;
using BiDoRA.Engine.Evaluation;

namespace BiDoRA.Engine.Tests.Evaluation;

/// <summary>The one place that says which metric selects checkpoints, which one headlines a run, and in what order they are listed.</summary>
public sealed class MetricCatalogTests
{
    [Theory]
    [InlineData(TaskKind.Binary, "accuracy", "mcc")]
    [InlineData(TaskKind.Multiclass, "accuracy", "mcc")]
    [InlineData(TaskKind.Regression, "mse", "spearman")]
    public void Selection_lists_and_tests_share_one_headline_per_task(TaskKind task, string headline, string companion)
    {
        Assert.Equal(headline, MetricCatalog.Selection(task));
        Assert.Equal(headline, MetricCatalog.Headline(task));
        Assert.Equal(companion, MetricCatalog.Companion(task));
    }

    [Fact]
    public void The_selection_metric_of_regression_is_better_lower() =>
        Assert.False(MetricCatalog.HigherIsBetter(MetricCatalog.Selection(TaskKind.Regression)));

    [Fact]
    public void A_metric_set_without_its_task_is_headlined_by_its_most_prominent_metric()
    {
        Assert.Equal("accuracy", MetricCatalog.Headline(["loss", "mcc", "f1_macro", "accuracy"]));
        Assert.Equal("mse", MetricCatalog.Headline(["spearman", "r2", "mse", "pearson"]));
        Assert.Equal("accuracy", MetricCatalog.Headline(["loss", "accuracy"]));
        Assert.Null(MetricCatalog.Headline(["loss", "tokens_per_second"]));
    }

    [Fact]
    public void Lists_put_the_headline_first_and_show_the_first_four()
    {
        string[] metrics = ["loss", "f1_weighted", "roc_auc", "accuracy", "mcc", "f1_macro"];

        Assert.Equal(["accuracy", "mcc", "roc_auc", "f1_macro", "f1_weighted", "loss"], metrics.OrderBy(MetricCatalog.Prominence));
        Assert.Equal(["roc_auc", "accuracy", "mcc", "f1_macro"], metrics.Where(MetricCatalog.IsProminent));
    }
}
