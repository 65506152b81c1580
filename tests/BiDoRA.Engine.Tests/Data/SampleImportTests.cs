using BiDoRA.Engine.Data;

namespace BiDoRA.Engine.Tests.Data;

/// <summary>The three shipped samples import with the row counts and class balances of their README.</summary>
public sealed class SampleImportTests
{
    [Theory]
    [InlineData("bbp", TaskKind.Binary, 198, 38, "0:99,1:99", "0:19,1:19")]
    [InlineData("thermostability", TaskKind.Binary, 2247, 562, "0:1154,1:1093", "0:289,1:273")]
    [InlineData("mic", TaskKind.Regression, 4255, 1064, "", "")]
    public void Sample_imports_with_published_counts(string name, TaskKind task, int train, int test, string trainBalance, string testBalance)
    {
        var sample = SampleDatasets.Find(name)!;
        var result = DatasetImporter.ImportPair(sample.TrainPath(TestPaths.Samples), sample.TestPath(TestPaths.Samples));
        Assert.True(result.IsImportable, string.Join("\n", result.Errors));
        var dataset = result.Dataset!;
        Assert.Equal(task, dataset.Task);
        Assert.Equal(train, dataset.Train.Count);
        Assert.Equal(test, dataset.Test.Count);
        if (task != TaskKind.Regression)
        {
            Assert.Equal(trainBalance, Balance(result.Statistics!.TrainClassCounts!));
            Assert.Equal(testBalance, Balance(result.Statistics!.TestClassCounts!));
        }
        // Neither file has an id column: rows are named by file and row, unique across the two files.
        Assert.Equal("train-row-2", dataset.Train[0].Id);
        Assert.Equal("test-row-2", dataset.Test[0].Id);
        Assert.Equal(dataset.Records.Count, dataset.Records.Select(r => r.Id).Distinct().Count());
        // Thermostability has sequences over 1022 residues: truncated with a warning, not refused.
        if (name == "thermostability") Assert.Contains(result.Warnings, w => w.Message.Contains("truncated"));
    }

    private static string Balance(IReadOnlyDictionary<string, int> counts) => string.Join(",", counts.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}:{kv.Value}"));
}
