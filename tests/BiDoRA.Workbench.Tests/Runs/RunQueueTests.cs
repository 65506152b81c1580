using System.Net;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Runs;

public sealed class RunQueueTests : IAsyncLifetime
{
    private WorkbenchServer _server = null!;

    public async Task InitializeAsync() => _server = await WorkbenchServer.StartAsync(executor: new ScriptedRunExecutor { HoldEveryRun = true });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Runs_start_in_order_one_at_a_time()
    {
        var dataset = _server.AddDataset();
        var a = await _server.CreateRunAsync(dataset.Id);
        var b = await _server.CreateRunAsync(dataset.Id);
        var c = await _server.CreateRunAsync(dataset.Id);

        await _server.Executor.WaitUntilStartedAsync(a.Id);
        Assert.Equal(RunStatus.Running, (await _server.GetRunAsync(a.Id)).Status);
        var queuedB = await _server.GetRunAsync(b.Id);
        var queuedC = await _server.GetRunAsync(c.Id);
        Assert.Equal((RunStatus.Queued, 1), (queuedB.Status, queuedB.QueuePosition));
        Assert.Equal((RunStatus.Queued, 2), (queuedC.Status, queuedC.QueuePosition));

        _server.Executor.Release(a.Id);
        await _server.Executor.WaitUntilStartedAsync(b.Id);
        var done = await _server.WaitForStatusAsync(a.Id, RunStatus.Completed);
        Assert.Equal(0.75, done.FinalMetrics!["accuracy"]);
        Assert.Equal(1, (await _server.GetRunAsync(c.Id)).QueuePosition);

        _server.Executor.Release(b.Id);
        _server.Executor.Release(c.Id);
        await _server.WaitForStatusAsync(c.Id, RunStatus.Completed);
        Assert.Equal([a.Id, b.Id, c.Id], _server.Executor.StartOrder.ToArray());
        Assert.Equal(1, _server.Executor.MaxConcurrent);
    }

    [Fact]
    public async Task Cancelling_a_queued_run_is_immediate_and_it_never_starts()
    {
        var dataset = _server.AddDataset();
        var a = await _server.CreateRunAsync(dataset.Id);
        var b = await _server.CreateRunAsync(dataset.Id);
        await _server.Executor.WaitUntilStartedAsync(a.Id);

        using var response = await _server.Http.PostAsync($"/api/runs/{b.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(RunStatus.Cancelled, (await _server.GetRunAsync(b.Id)).Status);

        _server.Executor.Release(a.Id);
        await _server.WaitForStatusAsync(a.Id, RunStatus.Completed);
        Assert.DoesNotContain(b.Id, _server.Executor.StartOrder);
    }

    [Fact]
    public async Task Cancelling_a_running_run_stops_it_and_records_the_cancellation()
    {
        var dataset = _server.AddDataset();
        var a = await _server.CreateRunAsync(dataset.Id);
        await _server.Executor.WaitUntilStartedAsync(a.Id);

        using var response = await _server.Http.PostAsync($"/api/runs/{a.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var cancelled = await _server.WaitForStatusAsync(a.Id, RunStatus.Cancelled);
        Assert.NotNull(cancelled.EndedAt);

        var events = _server.Services.GetRequiredService<RunEventStore>().Read(a.Id, 0);
        Assert.IsType<RunStarted>(events[0].Event);
        Assert.IsType<RunCancelled>(events[^1].Event);

        using var again = await _server.Http.PostAsync($"/api/runs/{a.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(["status"], (await Problem.ReadAsync(again)).Fields);
    }

    [Fact]
    public async Task Resume_requeues_a_cancelled_run_with_resume_set()
    {
        var dataset = _server.AddDataset();
        var a = await _server.CreateRunAsync(dataset.Id);
        await _server.Executor.WaitUntilStartedAsync(a.Id);
        using (await _server.Http.PostAsync($"/api/runs/{a.Id}/cancel", null)) { }
        await _server.WaitForStatusAsync(a.Id, RunStatus.Cancelled);
        Assert.False(_server.Executor.ResumeFlags[a.Id]);

        using var response = await _server.Http.PostAsync($"/api/runs/{a.Id}/resume", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        _server.Executor.Release(a.Id);
        var done = await _server.WaitForStatusAsync(a.Id, RunStatus.Completed);
        Assert.True(_server.Executor.ResumeFlags[a.Id]);
        Assert.Equal(2, done.Attempts);

        // Sequence numbers continue across attempts: one stream, no gaps.
        var sequences = _server.Services.GetRequiredService<RunEventStore>().Read(a.Id, 0).Select(e => e.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
        Assert.Equal(sequences[^1], done.LastSequence);

        using var conflict = await _server.Http.PostAsync($"/api/runs/{a.Id}/resume", null);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
    }

    [Fact]
    public async Task A_failing_run_is_marked_failed_and_the_queue_goes_on()
    {
        var dataset = _server.AddDataset();
        var a = await _server.CreateRunAsync(dataset.Id);
        var b = await _server.CreateRunAsync(dataset.Id);
        _server.Executor.Failures[a.Id] = "Loss became NaN at step 1.";
        _server.Executor.Release(a.Id);
        _server.Executor.Release(b.Id);

        var failed = await _server.WaitForStatusAsync(a.Id, RunStatus.Failed);
        Assert.Equal("Loss became NaN at step 1.", failed.Error);
        await _server.WaitForStatusAsync(b.Id, RunStatus.Completed);
        var last = _server.Services.GetRequiredService<RunEventStore>().Read(a.Id, 0)[^1].Event;
        Assert.Equal("Loss became NaN at step 1.", Assert.IsType<RunFailed>(last).Message);
    }

    [Fact]
    public async Task Metrics_are_paged_by_sequence()
    {
        var dataset = _server.AddDataset();
        var a = await _server.CreateRunAsync(dataset.Id);
        _server.Executor.Release(a.Id);
        var done = await _server.WaitForStatusAsync(a.Id, RunStatus.Completed);

        var first = await GetPageAsync($"/api/runs/{a.Id}/metrics?after=0&limit=3");
        Assert.Equal([1L, 2, 3], first.Events.Select(e => e.Sequence));
        Assert.True(first.HasMore);
        var rest = await GetPageAsync($"/api/runs/{a.Id}/metrics?after={first.LastSequence}");
        Assert.False(rest.HasMore);
        Assert.Equal(done.LastSequence, rest.LastSequence);
        Assert.Equal(first.LastSequence + 1, rest.Events[0].Sequence);

        using var bad = await _server.Http.GetAsync($"/api/runs/{a.Id}/metrics?after=-1");
        Assert.Equal(["after"], (await Problem.ReadAsync(bad)).Fields);
    }

    private async Task<BiDoRA.Workbench.Api.RunsApi.RunEventsPage> GetPageAsync(string url)
    {
        var text = await _server.Http.GetStringAsync(url);
        return System.Text.Json.JsonSerializer.Deserialize<BiDoRA.Workbench.Api.RunsApi.RunEventsPage>(text, WorkbenchClient.Json)!;
    }
}
