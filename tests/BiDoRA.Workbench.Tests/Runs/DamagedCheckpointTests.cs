using System.Net;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Runs;

/// <summary>
/// A checkpoint damaged on disk after it was recorded (one changed byte, as bit rot or a torn write on a shared disk
/// leaves it) is refused when the run resumes, through the mechanism embedded mode and cluster workers share
/// (<see cref="RunAttempt"/>, <see cref="ResumeReplay"/>): the run continues from the checkpoint before it, or from
/// the start, and its stored metrics still hold every step exactly once.
/// </summary>
[Collection(nameof(RealTrainingCollection))]
public sealed class DamagedCheckpointTests
{
    private const int Steps = 200;

    [Theory]
    [InlineData(false)]   // the newest checkpoint damaged: resume from the one before
    [InlineData(true)]    // both kept checkpoints damaged: start over
    public async Task A_damaged_checkpoint_is_refused_naming_its_file_and_the_resumed_run_has_no_metric_gap_or_duplicate(bool damageBoth)
    {
        await using var server = await WorkbenchServer.StartWithTrainerAsync();
        var run = await server.CreateRunAsync(server.AddBbpDataset().Id, new
        {
            model = "tiny", method = "lora", steps = Steps, batchSize = 8, checkpointEvery = 10, evalEvery = 100, seed = 5, device = "cpu",
        });
        await WaitForStepAsync(server, run.Id, 15);
        using (var cancel = await server.Http.PostAsync($"/api/runs/{run.Id}/cancel", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }
        var cancelled = await server.WaitForStatusAsync(run.Id, RunStatus.Cancelled, TimeSpan.FromSeconds(60));
        var kept = Directory.GetDirectories(Path.Combine(run.Plan.OutputDirectory, "checkpoints"), "step-*").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, kept.Count);
        Assert.Equal(cancelled.LastCheckpoint!.Path, kept[1]);
        var before = server.Services.GetRequiredService<RunEventStore>().Read(run.Id, 0);
        var stoppedAt = before.Select(e => e.Event).OfType<StepCompleted>().Last().Step;

        // After it was written and recorded, a byte of the newest checkpoint's tensors changes on disk.
        Flip(Path.Combine(kept[1], "state.safetensors"));
        if (damageBoth) Flip(Path.Combine(kept[0], "state.safetensors"));
        var expected = damageBoth ? (int?)null : CheckpointStepOf(kept[0]);
        Assert.Equal(expected, RunFolder.LatestCheckpoint(run.Plan.OutputDirectory)?.Step);

        using (var resume = await server.Http.PostAsync($"/api/runs/{run.Id}/resume", null))
        {
            Assert.True(resume.IsSuccessStatusCode, await resume.Content.ReadAsStringAsync());
        }
        var done = await server.WaitForStatusAsync(run.Id, RunStatus.Completed, TimeSpan.FromMinutes(3));
        var all = server.Services.GetRequiredService<RunEventStore>().Read(run.Id, 0);
        Assert.Equal(Enumerable.Range(1, (int)done.LastSequence).Select(i => (long)i), all.Select(e => e.Sequence));

        // The second attempt says which checkpoint it refused and why, naming the file.
        var attempt = all.Skip(before.Count).Select(e => e.Event).ToList();
        var started = Assert.IsType<RunStarted>(attempt[0]);
        Assert.NotNull(started.RefusedCheckpoints);
        Assert.StartsWith($"Checkpoint {Path.GetFileName(kept[1])} is not used: {Path.Combine(kept[1], "state.safetensors")} does not match its recorded SHA-256",
            started.RefusedCheckpoints[0]);
        Assert.Equal(damageBoth ? 2 : 1, started.RefusedCheckpoints.Count);
        // It trained again from the earlier checkpoint (or step 0); the steps stored before are not stored twice.
        Assert.Equal(stoppedAt + 1, attempt.OfType<StepCompleted>().First().Step);
        var events = all.Select(e => e.Event).ToList();
        Assert.Equal(Enumerable.Range(1, Steps), events.OfType<StepCompleted>().Select(s => s.Step));
        Assert.Equal([100, 200], events.OfType<Evaluated>().Select(v => v.Step));
        // Every checkpoint recorded once: those of the first attempt (with the one it wrote when cancelled), then the rest of the schedule.
        var checkpoints = before.Select(e => e.Event).OfType<CheckpointSaved>().Select(c => c.Step)
            .Concat(Enumerable.Range(1, Steps / 10).Select(i => i * 10).Where(s => s > stoppedAt));
        Assert.Equal(checkpoints, events.OfType<CheckpointSaved>().Select(c => c.Step));
        Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal(Steps, RunFolder.LatestCheckpoint(run.Plan.OutputDirectory)?.Step);
    }

    private static int CheckpointStepOf(string folder) => int.Parse(Path.GetFileName(folder)["step-".Length..], System.Globalization.CultureInfo.InvariantCulture);

    private static void Flip(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = stream.Length / 2;
        var b = stream.ReadByte();
        stream.Position = stream.Length / 2;
        stream.WriteByte((byte)(b ^ 0x01));
    }

    private static async Task WaitForStepAsync(WorkbenchServer server, string runId, int step)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            var run = await server.GetRunAsync(runId);
            if (run.Progress?.Step >= step) return;
            Assert.True(run.Status is RunStatus.Queued or RunStatus.Running, $"The run became {run.Status} ({run.Error}).");
            await Task.Delay(20, limit.Token);
        }
    }
}
