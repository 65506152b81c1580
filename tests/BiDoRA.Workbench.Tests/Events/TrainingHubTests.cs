using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using BiDoRA.Workbench.Services.Events;
using Microsoft.AspNetCore.SignalR.Client;

namespace BiDoRA.Workbench.Tests.Events;

public sealed class TrainingHubTests : IAsyncLifetime
{
    private WorkbenchServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await WorkbenchServer.StartAsync(executor: new ScriptedRunExecutor { HoldEveryRun = true, Steps = 200, StepDelay = TimeSpan.FromMilliseconds(1) });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_client_that_joins_receives_every_event_in_order()
    {
        var run = await _server.CreateRunAsync(_server.AddDataset().Id, new { steps = 200 });
        await _server.Executor.WaitUntilStartedAsync(run.Id);

        await using var client = await HubTestClient.ConnectAsync(_server.BaseAddress);
        var joined = await client.JoinAsync(run.Id, 0);
        Assert.Equal(run.Id, joined.Run.Id);
        Assert.Equal(RunStatus.Running, joined.Run.Status);
        Assert.IsType<RunStarted>(Assert.Single(joined.Events).Event);
        Assert.Equal(1, joined.LastSequence);

        _server.Executor.Release(run.Id);
        await client.WaitForTerminalAsync();
        var done = await _server.WaitForStatusAsync(run.Id, RunStatus.Completed);

        AssertIncreasing(client.Live.Select(e => e.Sequence));
        Assert.Equal(2, client.Live[0].Sequence);
        Assert.Equal(Contiguous(done.LastSequence), client.AllSequences);
        Assert.IsType<RunCompleted>(client.Live[^1].Event);
        Assert.Equal(200, client.Live.Count(e => e.Event is StepCompleted));
    }

    [Fact]
    public async Task A_client_that_reconnects_with_its_last_sequence_gets_no_duplicates_and_no_gaps()
    {
        var run = await _server.CreateRunAsync(_server.AddDataset().Id, new { steps = 200 });
        await _server.Executor.WaitUntilStartedAsync(run.Id);

        var first = await HubTestClient.ConnectAsync(_server.BaseAddress);
        await first.JoinAsync(run.Id, 0);
        _server.Executor.Release(run.Id);
        await first.WaitForLiveCountAsync(20);
        await first.DisposeAsync();
        var seen = first.AllSequences;
        Assert.Equal(Contiguous(seen[^1]), seen);

        // The run goes on while nobody listens.
        await Task.Delay(50);
        await using var second = await HubTestClient.ConnectAsync(_server.BaseAddress);
        var rejoined = await second.JoinAsync(run.Id, seen[^1]);
        Assert.True(rejoined.Events.Count == 0 || rejoined.Events[0].Sequence == seen[^1] + 1);
        await second.WaitForTerminalAsync();
        var done = await _server.WaitForStatusAsync(run.Id, RunStatus.Completed);

        var all = seen.Concat(second.AllSequences).ToList();
        Assert.Equal(Contiguous(done.LastSequence), all);
        AssertIncreasing(second.Joined.Select(e => e.Sequence));
        AssertIncreasing(second.Live.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Twenty_concurrent_clients_each_receive_every_event_in_order()
    {
        var run = await _server.CreateRunAsync(_server.AddDataset().Id, new { steps = 200 });
        await _server.Executor.WaitUntilStartedAsync(run.Id);

        var clients = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => HubTestClient.ConnectAsync(_server.BaseAddress)));
        try
        {
            await Task.WhenAll(clients.Select(c => c.JoinAsync(run.Id, 0)));
            _server.Executor.Release(run.Id);
            await Task.WhenAll(clients.Select(c => c.WaitForTerminalAsync(TimeSpan.FromSeconds(60))));
            var done = await _server.WaitForStatusAsync(run.Id, RunStatus.Completed);

            foreach (var client in clients)
            {
                AssertIncreasing(client.Live.Select(e => e.Sequence));
                Assert.Equal(Contiguous(done.LastSequence), client.AllSequences);
            }
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_client_that_joins_after_the_end_gets_the_whole_run_from_the_store()
    {
        var run = await _server.CreateRunAsync(_server.AddDataset().Id, new { steps = 200 });
        _server.Executor.Release(run.Id);
        var done = await _server.WaitForStatusAsync(run.Id, RunStatus.Completed);

        await using var client = await HubTestClient.ConnectAsync(_server.BaseAddress);
        var joined = await client.JoinAsync(run.Id, 0);
        Assert.Equal(RunStatus.Completed, joined.Run.Status);
        Assert.Equal(Contiguous(done.LastSequence), joined.Events.Select(e => e.Sequence));
        Assert.Equal(done.LastSequence, joined.LastSequence);
    }

    [Fact]
    public async Task A_client_that_stops_reading_holds_up_neither_training_nor_other_clients_and_later_gets_everything()
    {
        // Megabytes of events, far beyond what the socket and SignalR buffer for a client that does not read.
        await using var server = await WorkbenchServer.StartAsync(executor: new ScriptedRunExecutor { HoldEveryRun = true, Steps = 20_000 });
        var run = await server.CreateRunAsync(server.AddDataset().Id);
        await server.Executor.WaitUntilStartedAsync(run.Id);

        var stuck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var slow = await HubTestClient.ConnectAsync(server.BaseAddress);
        // A handler that does not return until released: this client stops taking messages off its connection.
        slow.Connection.On<RunEventEnvelope>("event", _ => stuck.Task);
        await using var healthy = await HubTestClient.ConnectAsync(server.BaseAddress);
        await slow.JoinAsync(run.Id, 0);
        await healthy.JoinAsync(run.Id, 0);

        server.Executor.Release(run.Id);
        // Generous limits: under the full suite on 2 cores, storing and sending 20,000 events took up to 39 s.
        var done = await server.WaitForStatusAsync(run.Id, RunStatus.Completed, TimeSpan.FromSeconds(120));
        await healthy.WaitForTerminalAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(Contiguous(done.LastSequence), healthy.AllSequences);
        AssertIncreasing(healthy.Live.Select(e => e.Sequence));
        Assert.False(slow.Live.Count >= done.LastSequence - 1, "the slow client was not held up");

        stuck.SetResult();
        await slow.WaitForTerminalAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(Contiguous(done.LastSequence), slow.AllSequences);
        AssertIncreasing(slow.Live.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Joining_an_unknown_run_is_refused_with_a_clear_message()
    {
        await using var client = await HubTestClient.ConnectAsync(_server.BaseAddress);
        var error = await Assert.ThrowsAsync<HubException>(() => client.JoinAsync("nosuchrun", 0));
        Assert.Contains("nosuchrun", error.Message);
    }

    private static IEnumerable<long> Contiguous(long last) => Enumerable.Range(1, (int)last).Select(i => (long)i);

    private static void AssertIncreasing(IEnumerable<long> sequences)
    {
        long previous = 0;
        foreach (var s in sequences)
        {
            Assert.True(s == previous + 1 || previous == 0, $"sequence {s} followed {previous}");
            previous = s;
        }
    }
}
