using BiDoRA.Engine.Design;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Design;

public sealed class PrincipalComponentsTests
{
    [Fact]
    public void Projection_matches_the_eigenvectors_of_the_covariance()
    {
        var random = new Random(3);
        // Three directions of clearly different spread, so components are well separated.
        var rows = Enumerable.Range(0, 40).Select(_ =>
        {
            var (a, b, c) = (random.NextDouble() * 10, random.NextDouble() * 3, random.NextDouble());
            return new[] { a + b, a - b, c, 2 * a + 0.1 * c, b - c };
        }).ToList();
        var projection = PrincipalComponents.Project(rows);

        // Independent route: eigen-decomposition of the sample covariance (another algorithm than SVD).
        using var scope = NewDisposeScope();
        var x = tensor(rows.SelectMany(r => r).ToArray(), [rows.Count, 5], dtype: ScalarType.Float64);
        var centred = x - x.mean([0], keepdim: true);
        var covariance = centred.t().mm(centred);
        var (values, vectors) = linalg.eigh(covariance);
        var order = values.argsort(descending: true);
        var top = vectors.index_select(1, order[..2]);
        var expected = centred.mm(top).data<double>().ToArray();
        var ratio = (values.index_select(0, order[..2]) / values.sum()).data<double>().ToArray();

        for (var k = 0; k < 2; k++)
        {
            // An eigenvector's sign is arbitrary: compare up to one sign per component.
            var sign = Math.Sign(projection.Coordinates[0][k]) == Math.Sign(expected[k]) ? 1 : -1;
            for (var i = 0; i < rows.Count; i++) Assert.Equal(expected[i * 2 + k] * sign, projection.Coordinates[i][k], 1e-9);
            Assert.Equal(ratio[k], projection.ExplainedVarianceRatio[k], 1e-12);
        }
        Assert.True(projection.ExplainedVarianceRatio[0] > projection.ExplainedVarianceRatio[1]);
    }

    [Fact]
    public void Same_data_gives_the_same_signs_and_too_few_rows_are_refused()
    {
        var rows = new List<double[]> { new[] { 1.0, 2 }, new[] { 3.0, 1 }, new[] { -2.0, 0.5 } };
        var a = PrincipalComponents.Project(rows);
        var b = PrincipalComponents.Project(rows.Select(r => r.ToArray()).ToList());
        Assert.Equal(a.Coordinates.SelectMany(c => c), b.Coordinates.SelectMany(c => c));
        Assert.Throws<ArgumentException>(() => PrincipalComponents.Project([new[] { 1.0 }]));
    }
}
