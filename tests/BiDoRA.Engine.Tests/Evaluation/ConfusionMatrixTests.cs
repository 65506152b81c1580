using BiDoRA.Engine.Evaluation;

namespace BiDoRA.Engine.Tests.Evaluation;

public sealed class ConfusionMatrixTests
{
    [Fact]
    public void Counts_true_against_predicted_by_id_and_by_name_alike()
    {
        var byId = ConfusionMatrix.Count([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3);
        var byName = ConfusionMatrix.Count([("a", "a"), ("a", "b"), ("b", "b"), ("c", "c"), ("c", "a"), ("c", "c"), ("x", "a")], ["a", "b", "c"]);

        Assert.Equal(new[,] { { 1, 1, 0 }, { 0, 1, 0 }, { 1, 0, 2 } }, byId);
        Assert.Equal(byId, byName);   // the pair naming an unknown class is left out
        Assert.Equal([[1, 1, 0], [0, 1, 0], [1, 0, 2]], ConfusionMatrix.Rows(byId));
    }

    [Fact]
    public void An_id_outside_the_classes_is_named()
    {
        var e = Assert.Throws<ArgumentException>(() => ConfusionMatrix.Count([0, 3], [0, 1], 2));
        Assert.Equal(("truth", "truth[1] is class 3, outside 0..1. (Parameter 'truth')"), (e.ParamName, e.Message));
    }
}
