using System.Globalization;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Prediction;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Tests.Training;
using BiDoRA.Engine.Training;

namespace BiDoRA.Engine.Tests.Prediction;

/// <summary>A run folder loads into a predictor with merged weights that reproduces the run's own test predictions.</summary>
public sealed class PredictorTests
{
    [Theory]
    [InlineData(AdapterMethod.BiDora)]
    [InlineData(AdapterMethod.Lora)]
    [InlineData(AdapterMethod.Full)]
    public async Task Merged_predictor_reproduces_the_runs_predictions(AdapterMethod method)
    {
        var dir = TrainingTestData.TempRunFolder();
        var result = await new Trainer().RunAsync(TrainingTestData.Bbp(method, dir));
        Assert.True(result.Outcome == RunOutcome.Completed, result.Error);
        var rows = File.ReadAllLines(Path.Combine(dir, RunFolder.PredictionsFile)).Skip(1).Select(l => l.Split(',')).ToList();

        using var predictor = Predictor.Load(dir, device: "cpu");
        var predictions = predictor.Predict(rows.Select(r => r[1].ToLowerInvariant() + " ").ToList(), batchSize: 5);

        Assert.Equal(rows.Count, predictions.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(rows[i][3], predictions[i].Label);
            Assert.Equal(double.Parse(rows[i][5], CultureInfo.InvariantCulture), predictions[i].Probabilities![1], 1e-5);
        }
    }

    [Fact]
    public async Task Invalid_sequences_are_refused_with_index_and_position()
    {
        var dir = TrainingTestData.TempRunFolder();
        await new Trainer().RunAsync(TrainingTestData.Bbp(AdapterMethod.Lora, dir, steps: 1));
        using var predictor = Predictor.Load(dir, device: "cpu");
        var e = Assert.Throws<SequenceFormatException>(() => predictor.Predict(["ACDE", "AC1DE"]));
        Assert.Contains("Sequence 2, position 3", e.Message);
        Assert.Equal((1, 3, '1'), (e.SequenceIndex, e.Position, e.Character));
        Assert.Equal(0, Assert.Throws<SequenceFormatException>(() => predictor.Predict([""])).SequenceIndex);
    }

    [Fact]
    public void Unfinished_run_folder_is_refused_naming_the_file()
    {
        var dir = TrainingTestData.TempRunFolder();
        var e = Assert.Throws<InvalidDataException>(() => Predictor.Load(dir));
        Assert.Contains(RunFolder.RunFile, e.Message);
    }
}
