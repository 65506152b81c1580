using System.Diagnostics;
using System.Text.Json;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services;
using BiDoRA.Workbench.Services.Events;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Tests.Infrastructure;
using Xunit.Abstractions;

namespace BiDoRA.Workbench.Tests.Cluster;

/// <summary>
/// Cluster mode with every part real and in processes of their own: PostgreSQL, redis-server, web nodes and workers
/// training the tiny model on loopback.
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed class ClusterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task Six_runs_complete_spread_over_both_workers_and_a_client_on_the_other_web_node_receives_every_event_in_order()
    {
        await using var cluster = await LocalCluster.StartAsync(webNodes: 2, workers: 2);
        var dataset = await cluster.BbpAsync();
        await using var watcher = await HubTestClient.ConnectAsync(cluster.WebNodes[1].BaseAddress);
        var clock = Stopwatch.StartNew();
        var first = await cluster.Web(0).CreateRunAsync(dataset.Id, new { method = "lora", steps = 30, batchSize = 8, evalEvery = 15, checkpointEvery = 10, seed = 1, device = "cpu" });
        var joined = await watcher.JoinAsync(first.Id, 0);
        var runs = new List<RunRecord> { first };
        for (var i = 2; i <= 6; i++)
        {
            runs.Add(await cluster.Web(i % 2).CreateRunAsync(dataset.Id, new { method = i % 3 == 0 ? "bidora" : "lora", steps = 30, batchSize = 8, evalEvery = 15, checkpointEvery = 10, seed = i, device = "cpu" }));
        }
        Assert.All(runs, r => Assert.Equal("cpu", r.Queue));

        var done = new List<RunRecord>();
        foreach (var run in runs) done.Add(await WaitAsync(cluster, run.Id, RunStatus.Completed));
        output.WriteLine($"6 runs in {clock.Elapsed.TotalSeconds:F1} s: {string.Join(", ", done.Select(r => r.Worker))}");
        Assert.Equal(["worker-1", "worker-2"], done.Select(r => r.Worker!).Distinct().Order());
        foreach (var run in done)
        {
            var events = await cluster.Web(1).ReadEventsAsync(run.Id);
            Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
            // BiDoRA's total includes its retraining steps after the 30 search steps.
            var total = Assert.IsType<RunStarted>(events[0].Event).TotalSteps;
            Assert.True(total >= 30, $"{total} steps planned");
            Assert.Equal(Enumerable.Range(1, total), events.Select(e => e.Event).OfType<StepCompleted>().Select(s => s.Step));
            Assert.IsType<RunCompleted>(events[^1].Event);
            Assert.NotNull(run.FinalMetrics);
        }

        // The client on the second web node saw the first run's whole stream, each event once and in order.
        await watcher.WaitForTerminalAsync(TimeSpan.FromMinutes(1));
        var stored = await cluster.Web(0).ReadEventsAsync(first.Id);
        var seen = watcher.Joined.Concat(watcher.Live).ToList();
        Assert.Equal(stored.Select(e => e.Sequence), seen.Select(e => e.Sequence));
        Assert.Equal(Json(stored), Json(seen));
        output.WriteLine($"joined with {joined.Events.Count} stored events, {watcher.Live.Count} live");
    }

    [Fact]
    public async Task A_killed_worker_s_run_resumes_on_the_other_from_its_checkpoint_with_no_gap_and_no_duplicate()
    {
        await using var cluster = await LocalCluster.StartAsync(webNodes: 1, workers: 2);
        var dataset = await cluster.BbpAsync();
        const int Steps = 120;
        var run = await cluster.Web().CreateRunAsync(dataset.Id, new { method = "lora", steps = Steps, batchSize = 8, evalEvery = 60, checkpointEvery = 10, seed = 5, device = "cpu" });
        RunRecord running;
        using (var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            while ((running = await cluster.Web().GetRunAsync(run.Id)) is not { Status: RunStatus.Running, LastCheckpoint: not null, Progress.Step: >= 15 })
            {
                Assert.False(limit.IsCancellationRequested || running.Status.IsFinal(), $"The run is {running.Status} at step {running.Progress?.Step}.\n{cluster.Output}");
                await Task.Delay(100);
            }
        }
        var victim = cluster.Workers.Single(w => w.Name == running.Worker);
        var survivor = cluster.Workers.Single(w => w.Name != running.Worker);
        var before = await cluster.Web().ReadEventsAsync(run.Id);
        var killed = Stopwatch.StartNew();
        await victim.KillAsync();

        TimeSpan? resumedAfter = null;
        RunRecord done;
        using (var limit = new CancellationTokenSource(Long))
        {
            while ((done = await cluster.Web().GetRunAsync(run.Id)).Status != RunStatus.Completed)
            {
                Assert.False(limit.IsCancellationRequested || done.Status is RunStatus.Failed or RunStatus.Cancelled, $"The run is {done.Status}: {done.Error}\n{cluster.Output}");
                if (resumedAfter is null && done.Worker == survivor.Name) resumedAfter = killed.Elapsed;
                await Task.Delay(100);
            }
        }
        output.WriteLine($"kill -9 at step {running.Progress!.Step} (checkpoint {running.LastCheckpoint!.Step}); the other worker took it after {resumedAfter?.TotalSeconds:F1} s");
        Assert.Equal(survivor.Name, done.Worker);
        Assert.Equal(2, done.Attempts);

        var all = await cluster.Web().ReadEventsAsync(run.Id);
        Assert.Equal(Enumerable.Range(1, all.Count).Select(i => (long)i), all.Select(e => e.Sequence));
        Assert.Equal(Json(before), Json(all.Take(before.Count)));
        Assert.Equal(Enumerable.Range(1, Steps), all.Select(e => e.Event).OfType<StepCompleted>().Select(s => s.Step));
        Assert.Equal(2, all.Count(e => e.Event is RunStarted));
        var checkpoints = all.Select(e => e.Event).OfType<CheckpointSaved>().Select(c => c.Step).ToList();
        Assert.Equal(checkpoints.Distinct(), checkpoints);
        Assert.IsType<RunCompleted>(all[^1].Event);
    }

    [Fact]
    public async Task PostgreSQL_restarted_and_Redis_stopped_mid_run_the_run_completes_and_the_client_misses_nothing()
    {
        await using var cluster = await LocalCluster.StartAsync(webNodes: 1, workers: 1);
        var dataset = await cluster.BbpAsync();
        const int Steps = 100;
        var run = await cluster.Web().CreateRunAsync(dataset.Id, new { method = "lora", steps = Steps, batchSize = 8, evalEvery = 50, checkpointEvery = 20, seed = 7, device = "cpu" });
        await using var watcher = await HubTestClient.ConnectAsync(cluster.WebNodes[0].BaseAddress);
        await watcher.JoinAsync(run.Id, 0);
        await WaitForStepAsync(cluster, run.Id, 10);

        cluster.Redis.Stop();
        var redisDownAt = watcher.Live.Count;
        await Task.Delay(TimeSpan.FromSeconds(4));
        var duringOutage = watcher.Live.Count;
        output.WriteLine($"Redis down: the client got {duringOutage - redisDownAt} events from PostgreSQL meanwhile");
        Assert.True(duringOutage > redisDownAt, "nothing reached the client while Redis was down");
        await cluster.Redis.StartAgainAsync();

        PostgresServer.Shared.Stop();
        await Task.Delay(TimeSpan.FromSeconds(3));
        PostgresServer.Shared.StartAgain();

        var done = await WaitAsync(cluster, run.Id, RunStatus.Completed);
        var all = await cluster.Web().ReadEventsAsync(run.Id);
        Assert.Equal(Enumerable.Range(1, all.Count).Select(i => (long)i), all.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(1, Steps), all.Select(e => e.Event).OfType<StepCompleted>().Select(s => s.Step));
        Assert.Equal(done.LastSequence, all[^1].Sequence);

        await watcher.WaitForTerminalAsync(TimeSpan.FromMinutes(1));
        var seen = watcher.Joined.Concat(watcher.Live).ToList();
        Assert.Equal(Json(all), Json(seen));
    }

    private static async Task<RunRecord> WaitAsync(LocalCluster cluster, string runId, RunStatus status)
    {
        using var limit = new CancellationTokenSource(Long);
        RunRecord run;
        while ((run = await cluster.Web().GetRunAsync(runId)).Status != status)
        {
            Assert.False(limit.IsCancellationRequested || (run.Status.IsFinal() && run.Status != status), $"Run {runId} is {run.Status} ({run.Error}), not {status}.\n{cluster.Output}");
            await Task.Delay(200);
        }
        return run;
    }

    private static async Task WaitForStepAsync(LocalCluster cluster, string runId, int step)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        RunRecord run;
        while ((run = await cluster.Web().GetRunAsync(runId)).Progress?.Step is not { } s || s < step)
        {
            Assert.False(limit.IsCancellationRequested || run.Status.IsFinal(), $"Run {runId} is {run.Status} at step {run.Progress?.Step}.\n{cluster.Output}");
            await Task.Delay(100);
        }
    }

    private static string[] Json(IEnumerable<RunEventEnvelope> events) =>
        [.. events.Select(e => JsonSerializer.Serialize(e, WorkbenchJson.Options))];
}
