using System.Net;
using System.Text;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Tests.Infrastructure;
using TorchSharp;

namespace BiDoRA.Workbench.Tests.Runs;

/// <summary>Real runs of the engine's trainer that go wrong: the loss diverges, memory runs out, the user cancels.</summary>
[Collection(nameof(RealTrainingCollection))]
public sealed class TrainingFaultTests
{
    [Fact]
    public async Task A_diverging_loss_fails_the_run_saying_what_happened_and_what_to_try_and_keeps_the_last_good_checkpoint()
    {
        await using var server = await WorkbenchServer.StartWithTrainerAsync();
        // An absurd learning rate: the first real update (after the warm-up's zero step) throws the weights so far
        // that the next forward pass overflows.
        var run = await server.CreateRunAsync(server.AddBbpDataset().Id, new
        {
            method = "lora", steps = 50, batchSize = 8, learningRate = 1e30, checkpointEvery = 1, evalEvery = 50, device = "cpu",
        });
        var failed = await server.WaitForStatusAsync(run.Id, RunStatus.Failed, TimeSpan.FromMinutes(2));

        var kept = failed.LastCheckpoint;
        Assert.NotNull(kept);
        // Either the loss overflows or, first, an update drives a weight to infinity (checked before each checkpoint).
        Assert.Matches(@"^The (training loss|parameter \S+) became (NaN|-?Infinity|-?∞|NaN or infinite) at step \d+\.", failed.Error);
        Assert.Contains($"the last good checkpoint (step {kept.Step}) is kept", failed.Error);
        Assert.Contains("lower learning rate", failed.Error);
        Assert.True(kept.Step < 50);

        var events = server.Services.GetRequiredService<RunEventStore>().Read(run.Id, 0);
        var last = Assert.IsType<RunFailed>(events[^1].Event);
        Assert.Equal(failed.Error, last.Message);
        Assert.Equal(kept.Step, events.Select(e => e.Event).OfType<CheckpointSaved>().Last().Step);

        // The checkpoint is whole, the newest on disk, and holds only finite weights.
        Assert.Equal(kept.Step, RunFolder.LatestCheckpoint(run.Plan.OutputDirectory)?.Step);
        using var tensors = SafetensorsFile.Open(Path.Combine(kept.Path, "state.safetensors"));
        var parameters = tensors.Names.Where(n => n.StartsWith("param.", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(parameters);
        foreach (var name in parameters)
        {
            using var value = tensors.Read(name);
            using var finite = torch.isfinite(value).all();
            Assert.True(finite.item<bool>(), $"{name} is not finite in the kept checkpoint");
        }
    }

    [Fact]
    public async Task A_batch_too_large_for_memory_fails_that_run_clearly_and_the_queue_goes_on()
    {
        var data = Path.Combine(Path.GetTempPath(), "bidora-tests", Guid.NewGuid().ToString("N"));
        try
        {
            string longId;
            string smallId;
            await using (var seed = await WorkbenchServer.StartAsync(data))
            {
                seed.KeepData = true;
                longId = seed.AddCsvDataset("long", LongSequences(rows: 20_000, length: 1022), TaskKind.Binary).Id;
                smallId = seed.AddBbpDataset().Id;
            }

            // The workbench runs with 2 GB of writable memory at most (it needs a few hundred MB); the first run's
            // token embeddings alone, 16,384 × 1,024 tokens × 32 floats, need over 2 GB in one tensor (fused attention
            // never forms the score matrices, so it is the activations that must not fit). The limit makes the
            // allocation fail at once, as it would on a machine that is really full, without using the memory.
            await using var workbench = await WorkbenchProcess.StartAsync(data, dataSegmentLimitKilobytes: 2_000_000);
            var tooLarge = await workbench.Http.CreateRunAsync(longId, new { method = "lora", steps = 3, batchSize = 16_384, device = "cpu" });
            var next = await workbench.Http.CreateRunAsync(smallId, new { method = "lora", steps = 3, batchSize = 8, device = "cpu" });

            var failed = await workbench.Http.WaitForStatusAsync(tooLarge.Id, RunStatus.Failed, TimeSpan.FromMinutes(2));
            Assert.StartsWith("Ran out of memory on cpu at batch size 16384 (one tensor needed ", failed.Error);
            Assert.Contains("smaller batch size", failed.Error);
            Assert.DoesNotContain("frame #", failed.Error);

            var completed = await workbench.Http.WaitForStatusAsync(next.Id, RunStatus.Completed, TimeSpan.FromMinutes(2));
            Assert.NotNull(completed.FinalMetrics);
            Assert.False(workbench.Process.HasExited, workbench.Output);
            using var health = await workbench.Http.GetAsync("/api/health");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
        finally
        {
            if (Directory.Exists(data)) Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Cancelling_a_training_run_stops_it_within_a_step_and_keeps_a_checkpoint_of_where_it_stopped()
    {
        await using var server = await WorkbenchServer.StartWithTrainerAsync();
        var run = await server.CreateRunAsync(server.AddBbpDataset().Id, new
        {
            method = "lora", steps = 20_000, batchSize = 8, checkpointEvery = 5_000, evalEvery = 5_000, device = "cpu",
        });
        await WaitForStepAsync(server, run.Id, 5);

        using (var cancel = await server.Http.PostAsync($"/api/runs/{run.Id}/cancel", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }
        // The trainer looks at the token before every step; a bound this loose only catches a cancellation that
        // waits for something much longer (an evaluation, the end of the run).
        var cancelled = await server.WaitForStatusAsync(run.Id, RunStatus.Cancelled, TimeSpan.FromSeconds(30));

        var events = server.Services.GetRequiredService<RunEventStore>().Read(run.Id, 0);
        var stop = Assert.IsType<RunCancelled>(events[^1].Event);
        Assert.InRange(stop.Step, 5, 4_999);
        Assert.NotNull(stop.CheckpointPath);
        Assert.Equal(stop.Step, cancelled.LastCheckpoint?.Step);
        Assert.Equal(stop.CheckpointPath, cancelled.LastCheckpoint?.Path);
        var onDisk = RunFolder.LatestCheckpoint(run.Plan.OutputDirectory);
        Assert.Equal(stop.Step, onDisk?.Step);
        Assert.Equal(stop.CheckpointPath, onDisk?.Path);
        Assert.Null(cancelled.Error);
    }

    private static async Task WaitForStepAsync(WorkbenchServer server, string runId, int step)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            var run = await server.GetRunAsync(runId);
            if (run.Progress?.Step >= step) return;
            Assert.True(run.Status is RunStatus.Queued or RunStatus.Running, $"The run became {run.Status} ({run.Error}).");
            await Task.Delay(50, limit.Token);
        }
    }

    /// <summary>Random protein sequences of one length, alternately labelled 0 and 1 (seeded: the same every time).</summary>
    private static string LongSequences(int rows, int length)
    {
        const string Residues = "ACDEFGHIKLMNPQRSTVWY";
        var random = new Random(17);
        var csv = new StringBuilder("sequence,label\n");
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < length; j++) csv.Append(Residues[random.Next(Residues.Length)]);
            csv.Append(',').Append(i % 2).Append('\n');
        }
        return csv.ToString();
    }
}
