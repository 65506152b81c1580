using BiDoRA.Engine.Data;
using BiDoRA.Engine.Evaluation;

namespace BiDoRA.Engine.Tests.Evaluation;

/// <summary>The one place that says which metric selects checkpoints, which one headlines a run, and in what order they are listed.</summary>
public sealed class MetricCatalogTests
{
    [Theory]
    [InlineData(TaskKind.Binary, "accuracy", "mcc", "accuracy")]
    [InlineData(TaskKind.Multiclass, "accuracy", "mcc", "accuracy")]
    [InlineData(TaskKind.Regression, "mse", "spearman", "mse")]
    public void Each_task_has_its_selection_headline_and_paper_column(TaskKind task, string selection, string headline, string primary)
    {
        Assert.Equal(selection, MetricCatalog.Selection(task));
        Assert.Equal(headline, MetricCatalog.Headline(task));
        Assert.Equal(primary, MetricCatalog.Primary(task));
    }

    [Fact]
    public void The_selection_metric_of_regression_is_better_lower() =>
        Assert.False(MetricCatalog.HigherIsBetter(MetricCatalog.Selection(TaskKind.Regression)));

    [Fact]
    public void A_metric_set_without_its_task_is_headlined_by_its_most_prominent_metric()
    {
        Assert.Equal("mcc", MetricCatalog.Headline(["loss", "accuracy", "f1_macro", "mcc"]));
        Assert.Equal("spearman", MetricCatalog.Headline(["mse", "r2", "spearman", "pearson"]));
        Assert.Equal("accuracy", MetricCatalog.Headline(["loss", "accuracy"]));
        Assert.Null(MetricCatalog.Headline(["loss", "tokens_per_second"]));
    }

    [Fact]
    public void Lists_put_the_headline_first_and_show_the_first_four()
    {
        string[] metrics = ["loss", "f1_weighted", "roc_auc", "accuracy", "mcc", "f1_macro"];

        Assert.Equal(["mcc", "accuracy", "roc_auc", "f1_macro", "f1_weighted", "loss"], metrics.OrderBy(MetricCatalog.Prominence));
        Assert.Equal(["roc_auc", "accuracy", "mcc", "f1_macro"], metrics.Where(MetricCatalog.IsProminent));
    }
}
