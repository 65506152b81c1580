using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.Prediction;
using BiDoRA.Engine.Tests.Training;
using BiDoRA.Engine.Training;

namespace BiDoRA.Engine.Tests.Protocol;

/// <summary>ECE on a constructed example; ensemble mean, sd and agreement against the members' own predictions.</summary>
public sealed class CalibrationAndEnsembleTests
{
    [Fact]
    public void Ece_weights_each_bins_gap_by_its_share()
    {
        // Four examples at confidence 0.9, three right (accuracy 0.75); six at 0.6, three right (0.5).
        // ECE = 0.4·|0.75 − 0.9| + 0.6·|0.5 − 0.6| = 0.06 + 0.06 = 0.12.
        var labels = new List<int> { 1, 1, 1, 0, 1, 1, 1, 0, 0, 0 };
        var p = new List<IReadOnlyList<double>>();
        for (var i = 0; i < 4; i++) p.Add([0.1, 0.9]);
        for (var i = 0; i < 6; i++) p.Add([0.4, 0.6]);
        var result = Calibration.Of(labels, p);
        Assert.Equal(0.12, result.ExpectedCalibrationError, 12);
        var filled = result.Bins.Where(b => b.Count > 0).ToList();
        Assert.Equal([(6, 0.6, 0.5), (4, 0.9, 0.75)], filled.Select(b => (b.Count, Math.Round(b.MeanConfidence!.Value, 12), b.Accuracy!.Value)));
        Assert.Equal(10, result.Bins.Count);

        // Perfectly calibrated: ECE 0.
        Assert.Equal(0, Calibration.Of([1, 0], [[0.5, 0.5], [0.5, 0.5]]).ExpectedCalibrationError, 12);
    }

    [Fact]
    public void Ensemble_combines_members()
    {
        SequencePrediction C(double p1) => new("ACD", p1 > 0.5 ? "1" : "0", null, [1 - p1, p1]);
        var combined = Ensemble.Combine([[C(0.8)], [C(0.4)], [C(0.9)]], TaskKind.Binary, ["0", "1"]).Single();
        Assert.Equal("1", combined.Label);
        Assert.Equal(0.7, combined.Probabilities![1], 12);
        Assert.Equal(Math.Sqrt(0.07), combined.ProbabilitySd![1], 12);   // deviations .1, −.3, .2: (.01 + .09 + .04)/2
        Assert.Equal(2 / 3.0, combined.Agreement!.Value, 12);
        Assert.Equal(3, combined.Members);

        SequencePrediction R(double v) => new("ACD", null, v, null);
        var value = Ensemble.Combine([[R(1)], [R(2)], [R(4)]], TaskKind.Regression, null).Single();
        Assert.Equal(7 / 3.0, value.Value!.Value, 12);
        Assert.Equal(Math.Sqrt(21 / 9.0), value.ValueSd!.Value, 12);
        Assert.Null(value.Agreement);
    }

    [Fact]
    public async Task Ensemble_of_trained_runs_matches_its_members()
    {
        var dirs = new List<string>();
        foreach (var seed in new[] { 1, 2 })
        {
            var plan = TrainingTestData.Bbp(AdapterMethod.Lora, TrainingTestData.TempRunFolder(), steps: 2) with { Seed = seed, EvalEvery = 2 };
            var result = await new Trainer().RunAsync(plan);
            Assert.True(result.Outcome == RunOutcome.Completed, result.Error);
            dirs.Add(plan.OutputDirectory);
        }
        string[] sequences = ["GLFDIIKKIAESF", "KWKLFKKIEKVGQNIRDGIIKAGPAVAVVGQATQIAK", "ACDEFGHIK"];
        var members = dirs.Select(d =>
        {
            using var predictor = Predictor.Load(d, device: "cpu");
            return predictor.Predict(sequences);
        }).ToList();
        var ensemble = Ensemble.Predict(dirs, sequences, device: "cpu");
        Assert.Equal(2, ensemble.Members.Count);
        for (var i = 0; i < sequences.Length; i++)
        {
            var p = members.Select(m => m[i].Probabilities![1]).ToList();
            Assert.Equal(p.Average(), ensemble.Predictions[i].Probabilities![1], 6);
            Assert.Equal(Math.Abs(p[0] - p[1]) / Math.Sqrt(2), ensemble.Predictions[i].ProbabilitySd![1], 6);
            var votes = members.Count(m => m[i].Label == ensemble.Predictions[i].Label);
            Assert.Equal(votes / 2.0, ensemble.Predictions[i].Agreement!.Value, 12);
        }
    }
}
