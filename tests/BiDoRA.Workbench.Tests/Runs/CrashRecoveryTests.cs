using System.Text.Json;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services;
using BiDoRA.Workbench.Services.Events;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Tests.Infrastructure;
using JsonSerializer = System.Text.Json.JsonSerializer;
using LiteDB;

namespace BiDoRA.Workbench.Tests.Runs;

/// <summary>The workbench process dies without warning (kill -9, power, the kernel's OOM killer) in the middle of a real run.</summary>
[Collection(nameof(RealTrainingCollection))]
public sealed class CrashRecoveryTests
{
    private const int Steps = 120;

    [Fact]
    public async Task Killed_mid_run_the_restarted_workbench_shows_it_interrupted_with_its_saved_metrics_and_checkpoint_and_resume_finishes_it()
    {
        var data = Path.Combine(Path.GetTempPath(), "bidora-tests", Guid.NewGuid().ToString("N"));
        try
        {
            string datasetId;
            await using (var seed = await WorkbenchServer.StartAsync(data))
            {
                seed.KeepData = true;
                datasetId = seed.AddBbpDataset().Id;
            }
            // 1. A real run trains in a workbench process; a hub client watches it; the test waits until the store
            //    holds a checkpoint and some metric points (GET /metrics stores pending events first), then kills it.
            RunRecord run;
            IReadOnlyList<RunEventEnvelope> confirmed;
            IReadOnlyList<RunEventEnvelope> watched;
            await using (var first = await WorkbenchProcess.StartAsync(data))
            {
                run = await first.Http.CreateRunAsync(datasetId, new
                {
                    method = "lora", steps = Steps, batchSize = 8, checkpointEvery = 10, evalEvery = 60, seed = 3, device = "cpu",
                });
                await using var watcher = await HubTestClient.ConnectAsync(first.BaseAddress);
                await watcher.JoinAsync(run.Id, 0);
                confirmed = await WaitForStoredAsync(first, run.Id, events =>
                    events.Any(e => e.Event is CheckpointSaved) && events.Count(e => e.Event is StepCompleted) >= 15);
                Assert.Equal(RunStatus.Running, (await first.Http.GetRunAsync(run.Id)).Status);
                await first.KillAsync();
                watched = [.. watcher.Joined.Concat(watcher.Live).OrderBy(e => e.Sequence)];
            }
            // 2. The database file the dead process left opens, and every document in it reads back.
            var onDisk = ReadDatabaseCopy(data, run.Id);
            Assert.Equal(Contiguous(onDisk.Count), onDisk.Select(e => e.Sequence));
            // 3. The checkpoint folder holds a whole checkpoint.
            var checkpoint = RunFolder.LatestCheckpoint(run.Plan.OutputDirectory);
            Assert.NotNull(checkpoint);
            var (checkpointStep, checkpointPath) = checkpoint.Value;
            using (var state = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(checkpointPath, "state.json"))))
            {
                Assert.Equal(checkpointStep, state.RootElement.GetProperty("globalStep").GetInt32());
            }
            using (var tensors = SafetensorsFile.Open(Path.Combine(checkpointPath, "state.safetensors")))
            {
                Assert.Contains(tensors.Names, n => n.StartsWith("param.", StringComparison.Ordinal));
                Assert.Contains("rng.torch", tensors.Names);
            }
            // 4. Restarted: the run is Interrupted at that checkpoint, with every metric point stored before the kill.
            await using var second = await WorkbenchProcess.StartAsync(data);
            var interrupted = await second.Http.GetRunAsync(run.Id);
            Assert.Equal(RunStatus.Interrupted, interrupted.Status);
            Assert.Equal(checkpointStep, interrupted.LastCheckpoint?.Step);
            Assert.Contains($"step {checkpointStep}", interrupted.Error);

            var stored = await second.Http.ReadEventsAsync(run.Id);
            Assert.Equal(Json(onDisk), Json(stored));
            Assert.Equal(stored[^1].Sequence, interrupted.LastSequence);
            Assert.True(stored.Count >= confirmed.Count, $"{stored.Count} events stored, {confirmed.Count} had been confirmed");
            Assert.Equal(Json(confirmed), Json(stored.Take(confirmed.Count)));
            // What the hub client saw live is what was stored, event for event, up to the last stored batch.
            Assert.Equal(Json(watched.Where(e => e.Sequence <= stored[^1].Sequence)), Json(stored.Where(e => e.Sequence <= watched[^1].Sequence)));
            var steps = stored.Select(e => e.Event).OfType<StepCompleted>().Select(s => s.Step).ToList();
            Assert.Equal(Enumerable.Range(1, steps.Count), steps);
            // The trainer waits for the store before it writes a checkpoint, so resuming leaves no gap in the curves.
            Assert.True(checkpointStep <= steps[^1] && checkpointStep < Steps, $"checkpoint {checkpointStep}, last stored step {steps[^1]}");
            // 5. Resume continues from the checkpoint to the end.
            using (var resume = await second.Http.PostAsync($"/api/runs/{run.Id}/resume", null))
            {
                Assert.True(resume.IsSuccessStatusCode, await resume.Content.ReadAsStringAsync());
            }
            var done = await second.Http.WaitForStatusAsync(run.Id, RunStatus.Completed, TimeSpan.FromMinutes(5));
            Assert.NotNull(done.FinalMetrics);
            Assert.Contains("mcc", done.FinalMetrics.Keys);
            var all = await second.Http.ReadEventsAsync(run.Id);
            Assert.Equal(Contiguous(done.LastSequence), all.Select(e => e.Sequence));
            var resumed = all.Skip(stored.Count).Select(e => e.Event).ToList();
            // Killed between writing a checkpoint and storing its event, the checkpoint on disk is recorded once,
            // before the new attempt starts; otherwise the attempt starts straight away.
            if (resumed[0] is CheckpointSaved unrecorded)
            {
                Assert.Equal(checkpointStep, unrecorded.Step);
                resumed.RemoveAt(0);
            }
            Assert.IsType<RunStarted>(resumed[0]);
            // The resumed attempt trained again from the checkpoint; the steps it had already stored are not stored twice.
            Assert.Equal(steps[^1] + 1, resumed.OfType<StepCompleted>().First().Step);
            Assert.Equal(Steps, resumed.OfType<StepCompleted>().Last().Step);
            Assert.IsType<RunCompleted>(resumed[^1]);
            // Over both attempts: every step exactly once (no gap, no duplicate), every evaluation and checkpoint once.
            Assert.Equal(Enumerable.Range(1, Steps), all.Select(e => e.Event).OfType<StepCompleted>().Select(s => s.Step));
            var evaluations = all.Select(e => e.Event).OfType<Evaluated>().Select(v => v.Step).ToList();
            Assert.Equal(evaluations.Distinct(), evaluations);
            Assert.Equal([60, 120], evaluations);
            var checkpoints = all.Select(e => e.Event).OfType<CheckpointSaved>().Select(c => c.Step).ToList();
            Assert.Equal(Enumerable.Range(1, Steps / 10).Select(i => i * 10), checkpoints);
            Assert.True(File.Exists(Path.Combine(run.Plan.OutputDirectory, "metrics.json")));
            // 6. Stopped cleanly, the database is one whole file again.
            await second.StopAsync();
            Assert.False(File.Exists(Path.Combine(data, "workbench-log.db")), "the write-ahead log was left behind");
            using var db = new LiteDatabase(new ConnectionString { Filename = Path.Combine(data, "workbench.db"), ReadOnly = true });
            Assert.Equal(done.LastSequence, db.GetCollection("events").Count(Query.EQ("run", run.Id)));
        }
        finally
        {
            if (Directory.Exists(data)) Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task After_a_crash_the_run_record_catches_up_with_the_stored_events_and_the_checkpoint_on_disk()
    {
        var server = await WorkbenchServer.StartAsync();
        var draft = server.Services.GetRequiredService<RunFactory>().Create(new NewRunRequest { DatasetId = server.AddDataset().Id, Steps = 10 });
        // What a kill can leave: the record a batch behind (it is updated after the batch is stored), and the newest
        // checkpoint (step 4) on disk while its CheckpointSaved event was still in memory.
        server.Services.GetRequiredService<RunStore>().Insert(draft with { Status = RunStatus.Running, StartedAt = DateTimeOffset.UtcNow, Attempts = 1 });
        var checkpoint2 = ScriptedRunExecutor.WriteCheckpoint(draft.Plan.OutputDirectory, 2);
        var checkpoint4 = ScriptedRunExecutor.WriteCheckpoint(draft.Plan.OutputDirectory, 4);
        Directory.CreateDirectory(Path.Combine(draft.Plan.OutputDirectory, "checkpoints", "step-000006.tmp"));
        server.Services.GetRequiredService<RunEventStore>().Append(
        [
            new(draft.Id, 1, new RunStarted(10, [], 100, "cpu", 8, 2, 2)),
            new(draft.Id, 2, new StepCompleted(TrainingPhase.Train, 1, 10, 0.9, null, null, 1e-3, null, 10, TimeSpan.Zero)),
            new(draft.Id, 3, new StepCompleted(TrainingPhase.Train, 2, 10, 0.8, null, null, 1e-3, null, 10, TimeSpan.Zero)),
            new(draft.Id, 4, new CheckpointSaved(2, checkpoint2)),
            new(draft.Id, 5, new StepCompleted(TrainingPhase.Train, 3, 10, 0.7, null, null, 1e-3, null, 10, TimeSpan.Zero)),
        ]);

        await using var restarted = await server.RestartAsync();
        var run = await restarted.GetRunAsync(draft.Id);
        Assert.Equal(RunStatus.Interrupted, run.Status);
        Assert.Equal(5, run.LastSequence);
        Assert.Equal((3, 0.7), (run.Progress!.Step, run.Progress.Loss));
        Assert.Equal((4, checkpoint4), (run.LastCheckpoint!.Step, run.LastCheckpoint.Path));
        Assert.Contains("step 4", run.Error);
    }

    private static async Task<IReadOnlyList<RunEventEnvelope>> WaitForStoredAsync(
        WorkbenchProcess workbench, string runId, Func<IReadOnlyList<RunEventEnvelope>, bool> enough)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            var events = await workbench.Http.ReadEventsAsync(runId);
            if (enough(events)) return events;
            if (events.Any(e => e.Event is RunCompleted or RunFailed or RunCancelled) || limit.IsCancellationRequested)
            {
                Assert.Fail($"The run ended or stalled before the kill ({events.Count} events).\n{workbench.Output}");
            }
            await Task.Delay(100, CancellationToken.None);
        }
    }

    /// <summary>Opens a copy of the database as the dead process left it (data file and write-ahead log) and reads every document.</summary>
    private static IReadOnlyList<RunEventEnvelope> ReadDatabaseCopy(string data, string runId)
    {
        var copy = Path.Combine(Path.GetTempPath(), "bidora-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(copy);
        try
        {
            foreach (var name in new[] { "workbench.db", "workbench-log.db" })
            {
                if (File.Exists(Path.Combine(data, name))) File.Copy(Path.Combine(data, name), Path.Combine(copy, name));
            }
            using var db = new LiteDatabase(new ConnectionString { Filename = Path.Combine(copy, "workbench.db") });
            // Other stores (meta, sweeps) add collections of their own; these must be there and readable.
            Assert.Superset(new HashSet<string> { "datasets", "events", "runs" }, db.GetCollectionNames().ToHashSet());
            foreach (var name in db.GetCollectionNames()) _ = db.GetCollection(name).Count();
            foreach (var doc in db.GetCollection("runs").FindAll())
            {
                Assert.NotNull(JsonSerializer.Deserialize<RunRecord>(doc["json"].AsString, WorkbenchJson.Options));
            }
            Assert.Single(db.GetCollection("datasets").FindAll());
            var events = db.GetCollection("events").FindAll()
                .Select(d => new RunEventEnvelope(d["run"].AsString, d["seq"].AsInt64, JsonSerializer.Deserialize<TrainingEvent>(d["json"].AsString, WorkbenchJson.Options)!))
                .Where(e => e.RunId == runId)
                .OrderBy(e => e.Sequence)
                .ToList();
            // The primary index, which the workbench reads events through, agrees with the documents.
            Assert.Equal(events.Count, db.GetCollection("events").Count(Query.StartsWith("_id", runId + "/")));
            return events;
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private static IEnumerable<long> Contiguous(long last) => Enumerable.Range(1, (int)last).Select(i => (long)i);

    private static string[] Json(IEnumerable<RunEventEnvelope> events) =>
        [.. events.Select(e => JsonSerializer.Serialize(e, WorkbenchJson.Options))];
}
