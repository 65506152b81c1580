using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Tests.Infrastructure;
using LiteDB;

namespace BiDoRA.Workbench.Tests.Runs;

public sealed class RestartTests
{
    [Fact]
    public async Task A_run_left_running_by_a_dead_process_is_interrupted_after_restart_and_resumes()
    {
        var server = await WorkbenchServer.StartAsync();
        var dataset = server.AddDataset();
        // What a killed process leaves behind: the record still says Running, with a checkpoint and some events.
        var factory = server.Services.GetRequiredService<RunFactory>();
        var draft = factory.Create(new NewRunRequest { DatasetId = dataset.Id, Steps = 5 });
        server.Services.GetRequiredService<RunStore>().Insert(draft with
        {
            Status = RunStatus.Running,
            StartedAt = DateTimeOffset.UtcNow,
            Attempts = 1,
            LastCheckpoint = new RunCheckpoint(2, ScriptedRunExecutor.WriteCheckpoint(draft.Plan.OutputDirectory, 2), DateTimeOffset.UtcNow),
        });
        var hub = server.Services.GetRequiredService<BiDoRA.Workbench.Services.Events.RunEventHub>();
        hub.Publish(draft.Id, new RunStarted(5, [], 100, "cpu", 4, 1, 1));
        hub.Publish(draft.Id, new StepCompleted(TrainingPhase.Train, 1, 5, 0.9, null, null, 1e-3, null, 10, TimeSpan.Zero));
        await hub.FlushAsync();

        await using var restarted = await server.RestartAsync();
        var run = await restarted.GetRunAsync(draft.Id);
        Assert.Equal(RunStatus.Interrupted, run.Status);
        Assert.Contains("step 2", run.Error);
        Assert.Equal(2, run.LastSequence);
        Assert.Empty(restarted.Executor.StartOrder);

        using var resume = await restarted.Http.PostAsync($"/api/runs/{draft.Id}/resume", null);
        resume.EnsureSuccessStatusCode();
        var done = await restarted.WaitForStatusAsync(draft.Id, RunStatus.Completed);
        Assert.True(restarted.Executor.ResumeFlags[draft.Id]);
        // Numbering carries on after the events the dead process stored.
        var sequences = restarted.Services.GetRequiredService<RunEventStore>().Read(draft.Id, 0).Select(e => e.Sequence);
        Assert.Equal(Enumerable.Range(1, (int)done.LastSequence).Select(i => (long)i), sequences);
    }

    [Fact]
    public async Task Stopping_the_workbench_during_a_run_interrupts_it_and_keeps_its_events()
    {
        var server = await WorkbenchServer.StartAsync(executor: new ScriptedRunExecutor { Steps = 10_000, StepDelay = TimeSpan.FromMilliseconds(2) });
        var dataset = server.AddDataset();
        var run = await server.CreateRunAsync(dataset.Id, new { steps = 10_000 });
        await server.Executor.WaitUntilStartedAsync(run.Id);
        await Task.Delay(300);

        await using var restarted = await server.RestartAsync();
        var after = await restarted.GetRunAsync(run.Id);
        Assert.Equal(RunStatus.Interrupted, after.Status);
        var events = restarted.Services.GetRequiredService<RunEventStore>().Read(run.Id, 0);
        Assert.True(events.Count > 3, $"only {events.Count} events were stored");
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.IsType<RunCancelled>(events[^1].Event);
        Assert.Equal(events[^1].Sequence, after.LastSequence);
        Assert.NotNull(after.Progress);
    }

    [Fact]
    public async Task Database_file_is_whole_after_restarts()
    {
        var server = await WorkbenchServer.StartAsync();
        var dataset = server.AddDataset();
        var run = await server.CreateRunAsync(dataset.Id);
        var completed = await server.WaitForStatusAsync(run.Id, RunStatus.Completed);
        server = await server.RestartAsync();
        server = await server.RestartAsync();
        Assert.Equal(RunStatus.Completed, (await server.GetRunAsync(run.Id)).Status);
        server.KeepData = true;
        await server.DisposeAsync();

        try
        {
            // Opened on its own, as another tool would: every document reads back and the log was folded in.
            var file = Path.Combine(server.DataDirectory, "workbench.db");
            Assert.False(File.Exists(Path.Combine(server.DataDirectory, "workbench-log.db")), "the write-ahead log was left behind");
            using var db = new LiteDatabase(new ConnectionString { Filename = file, ReadOnly = true });
            // Other stores (meta, sweeps) add collections of their own; these must be there and readable.
            Assert.Superset(new HashSet<string> { "datasets", "events", "runs" }, db.GetCollectionNames().ToHashSet());
            foreach (var name in db.GetCollectionNames()) _ = db.GetCollection(name).Count();
            Assert.Single(db.GetCollection("runs").FindAll());
            Assert.Single(db.GetCollection("datasets").FindAll());
            Assert.Equal(completed.LastSequence, db.GetCollection("events").FindAll().Count());
        }
        finally
        {
            Directory.Delete(server.DataDirectory, recursive: true);
        }
    }
}
