using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.RunFolders;
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

    [Fact]
    public async Task A_durable_sink_has_stored_every_step_before_each_checkpoint_is_written()
    {
        var dir = TrainingTestData.TempRunFolder();
        var sink = new DurableProgress(dir);
        var plan = TrainingTestData.Bbp(AdapterMethod.Dora, dir) with { Steps = 6, CheckpointEvery = 2 };
        var result = await new Trainer().RunAsync(plan, sink);

        Assert.True(result.Outcome == RunOutcome.Completed, result.Error);
        var saved = sink.Events.OfType<CheckpointSaved>().Select(c => c.Step).ToList();
        Assert.Equal([2, 4, 6], saved);
        // Each wait came after that step was reported and before its checkpoint existed on disk.
        Assert.Equal(saved, sink.Waits.Select(w => w.LastStep));
        Assert.All(sink.Waits, w => Assert.DoesNotContain(w.LastStep, w.CheckpointsOnDisk));
        Assert.Equal([0, 2, 4], sink.Waits.Select(w => w.CheckpointsOnDisk.DefaultIfEmpty(0).Max()));
    }

    /// <summary>Records, at each wait, the last step reported and the checkpoints already on disk.</summary>
    private sealed class DurableProgress(string runFolder) : IDurableProgress<TrainingEvent>
    {
        public List<TrainingEvent> Events { get; } = [];

        public List<(int LastStep, int[] CheckpointsOnDisk)> Waits { get; } = [];

        public void Report(TrainingEvent value) => Events.Add(value);

        public void WaitUntilStored(CancellationToken cancellationToken)
        {
            var checkpoints = Directory.Exists(Path.Combine(runFolder, "checkpoints"))
                ? Directory.GetDirectories(Path.Combine(runFolder, "checkpoints"), "step-*").Select(d => int.Parse(Path.GetFileName(d)["step-".Length..])).ToArray()
                : [];
            Waits.Add((Events.OfType<StepCompleted>().Last().Step, checkpoints));
        }
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
