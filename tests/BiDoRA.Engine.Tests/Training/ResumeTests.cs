using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Training;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Training;

/// <summary>A run cancelled mid-way and resumed from its checkpoint ends with exactly the weights of an uninterrupted run (CPU, same seed).</summary>
public sealed class ResumeTests
{
    [Theory]
    [InlineData(AdapterMethod.BiDora, 3)]   // interrupted in the search phase
    [InlineData(AdapterMethod.BiDora, 7)]   // interrupted in the retraining phase
    [InlineData(AdapterMethod.Dora, 3)]
    public async Task Resumed_run_ends_with_the_uninterrupted_weights(AdapterMethod method, int cancelAfter)
    {
        var plan = TrainingTestData.Bbp(method, "") with { Steps = 6, RetrainSteps = method == AdapterMethod.BiDora ? 3 : 0, Dropout = 0.1 };
        var straight = TrainingTestData.TempRunFolder();
        var full = await new Trainer().RunAsync(plan with { OutputDirectory = straight });
        Assert.True(full.Outcome == RunOutcome.Completed, full.Error);

        var interrupted = TrainingTestData.TempRunFolder();
        using var cts = new CancellationTokenSource();
        var events = new List<TrainingEvent>();
        var progress = new CancelAt(events, cancelAfter, cts);
        var first = await new Trainer().RunAsync(plan with { OutputDirectory = interrupted }, progress, cts.Token);
        Assert.Equal(RunOutcome.Cancelled, first.Outcome);
        Assert.Equal(cancelAfter, first.StepsCompleted);
        var cancelled = Assert.IsType<RunCancelled>(events[^1]);
        Assert.True(Directory.Exists(cancelled.CheckpointPath), "cancellation leaves a checkpoint");

        var resumed = await new Trainer().ResumeAsync(interrupted);
        Assert.True(resumed.Outcome == RunOutcome.Completed, resumed.Error);
        Assert.Equal(full.StepsCompleted, resumed.StepsCompleted);
        foreach (var file in new[] { RunFolder.AdapterFile, RunFolder.HeadFile })
        {
            using var a = SafetensorsFile.Open(Path.Combine(straight, file));
            using var b = SafetensorsFile.Open(Path.Combine(interrupted, file));
            Assert.Equal(a.Names.Order(), b.Names.Order());
            foreach (var name in a.Names)
            {
                using var x = a.Read(name);
                using var y = b.Read(name);
                Assert.True(x.eq(y).all().item<bool>(), $"{file}:{name} differs after resume");
            }
        }
        Assert.Equal(File.ReadAllText(Path.Combine(straight, RunFolder.PredictionsFile)), File.ReadAllText(Path.Combine(interrupted, RunFolder.PredictionsFile)));
    }

    private sealed class CancelAt(List<TrainingEvent> sink, int step, CancellationTokenSource cts) : IProgress<TrainingEvent>
    {
        public void Report(TrainingEvent value)
        {
            sink.Add(value);
            if (value is StepCompleted s && s.Step == step) cts.Cancel();
        }
    }
}
