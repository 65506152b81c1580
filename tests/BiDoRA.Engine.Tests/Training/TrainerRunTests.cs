using BiDoRA.Engine.Training;

namespace BiDoRA.Engine.Tests.Training;

/// <summary>Every method trains the tiny model on the real BBP data to the end and writes the whole run folder.</summary>
public sealed class TrainerRunTests
{
    [Theory]
    [InlineData(AdapterMethod.Full)]
    [InlineData(AdapterMethod.Lora)]
    [InlineData(AdapterMethod.Dora)]
    [InlineData(AdapterMethod.BiDora)]
    public async Task Method_completes_and_writes_the_run_folder(AdapterMethod method)
    {
        var dir = TrainingTestData.TempRunFolder();
        var events = new List<TrainingEvent>();
        var plan = TrainingTestData.Bbp(method, dir) with { RetrainSteps = method == AdapterMethod.BiDora ? 2 : 0 };
        var result = await new Trainer().RunAsync(plan, new SyncProgress(events));

        Assert.True(result.Outcome == RunOutcome.Completed, result.Error);
        Assert.Equal(method == AdapterMethod.BiDora ? 6 : 4, result.StepsCompleted);
        foreach (var file in new[] { RunFolder.RunFile, RunFolder.HeadFile, RunFolder.MetricsFile, RunFolder.PredictionsFile })
            Assert.True(File.Exists(Path.Combine(dir, file)), file);
        if (method == AdapterMethod.Full) Assert.True(File.Exists(Path.Combine(dir, RunFolder.FullModelFile)));
        else
        {
            Assert.True(File.Exists(Path.Combine(dir, RunFolder.AdapterFile)));
            var config = File.ReadAllText(Path.Combine(dir, RunFolder.AdapterConfigFile));
            Assert.Contains(method == AdapterMethod.Lora ? "\"use_dora\": false" : "\"use_dora\": true", config);
        }
        // One prediction row per test sequence (BBP test: 38), plus the header.
        Assert.Equal(39, File.ReadAllLines(Path.Combine(dir, RunFolder.PredictionsFile)).Length);
        Assert.IsType<RunStarted>(events[0]);
        Assert.IsType<RunCompleted>(events[^1]);
        var steps = events.OfType<StepCompleted>().ToList();
        Assert.Equal(Enumerable.Range(1, result.StepsCompleted), steps.Select(s => s.Step));
        Assert.All(steps, s => Assert.True(double.IsFinite(s.Loss)));
        if (method == AdapterMethod.BiDora)
        {
            Assert.All(steps.Where(s => s.Phase == TrainingPhase.Search), s => Assert.NotNull(s.UpperLoss));
            Assert.Equal(2, steps.Count(s => s.Phase == TrainingPhase.Retrain));
            Assert.Contains(events, e => e is MagnitudesSnapshot);
        }
        Assert.Contains(events, e => e is Evaluated { Split: "validation" } ev && ev.Metrics.ContainsKey("accuracy"));
        Assert.True(result.TestMetrics["accuracy"] is >= 0 and <= 1);
    }

    /// <summary>Reports synchronously on the training thread, unlike Progress&lt;T&gt;.</summary>
    internal sealed class SyncProgress(List<TrainingEvent> sink) : IProgress<TrainingEvent>
    {
        public void Report(TrainingEvent value)
        {
            lock (sink) sink.Add(value);
        }
    }
}
