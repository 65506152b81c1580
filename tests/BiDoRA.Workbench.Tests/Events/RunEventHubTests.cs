using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Events;
using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Events;

public sealed class RunEventHubTests : IAsyncLifetime
{
    private WorkbenchServer _server = null!;
    private RunEventHub _hub = null!;

    public async Task InitializeAsync()
    {
        _server = await WorkbenchServer.StartAsync();
        _hub = _server.Services.GetRequiredService<RunEventHub>();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Subscriber_gets_stored_events_then_live_ones_exactly_once()
    {
        var runId = RecordId.New();
        for (var i = 1; i <= 30; i++) _hub.Publish(runId, Step(i));

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new List<long>();
        var reading = Task.Run(async () =>
        {
            await foreach (var e in _hub.SubscribeAsync(runId, 10, limit.Token))
            {
                received.Add(e.Sequence);
                if (e.Sequence == 60) break;
            }
        });
        for (var i = 31; i <= 60; i++)
        {
            _hub.Publish(runId, Step(i));
            await Task.Yield();
        }
        await reading;
        Assert.Equal(Enumerable.Range(11, 50).Select(i => (long)i), received);
    }

    [Fact]
    public async Task A_subscriber_that_falls_far_behind_is_caught_up_from_the_store_without_gaps()
    {
        var runId = RecordId.New();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var subscription = _hub.SubscribeAsync(runId, 0, limit.Token).GetAsyncEnumerator(limit.Token);
        _hub.Publish(runId, Step(1));
        Assert.True(await subscription.MoveNextAsync());
        var received = new List<long> { subscription.Current.Sequence };

        // The subscriber is live now but reads nothing while 10,000 events go out: far more than its buffer.
        const int count = 10_000;
        for (var i = 2; i <= count; i++) _hub.Publish(runId, Step(i));

        while (received.Count < count && await subscription.MoveNextAsync())
        {
            received.Add(subscription.Current.Sequence);
        }
        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), received);
    }

    [Fact]
    public async Task Events_are_stored_in_batches_of_the_configured_size_and_on_flush()
    {
        // A flush interval of an hour leaves the batch size and explicit flushes as the only triggers.
        await using var server = await WorkbenchServer.StartAsync(configuration: new Dictionary<string, string?>
        {
            ["Workbench:EventFlushInterval"] = "01:00:00",
            ["Workbench:EventFlushBatchSize"] = "50",
        });
        var hub = server.Services.GetRequiredService<RunEventHub>();
        var store = server.Services.GetRequiredService<RunEventStore>();
        var runId = RecordId.New();

        for (var i = 1; i <= 49; i++) hub.Publish(runId, Step(i));
        await Task.Delay(300);
        Assert.Equal(0, store.Count(runId));

        hub.Publish(runId, Step(50));
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (store.Count(runId) < 50) await Task.Delay(10, limit.Token);

        hub.Publish(runId, Step(51));
        await Task.Delay(100);
        Assert.Equal(50, store.Count(runId));
        await hub.FlushAsync();
        Assert.Equal(51, store.Count(runId));
        Assert.Equal(51, Assert.IsType<StepCompleted>(store.Read(runId, 50).Single().Event).Step);
    }

    [Fact]
    public async Task A_lone_event_is_stored_within_the_flush_interval()
    {
        var runId = RecordId.New();
        var store = _server.Services.GetRequiredService<RunEventStore>();
        var published = Step(1);
        _hub.Publish(runId, published);
        // No FlushAsync and no batch to fill: only the writer's timer can store it.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (store.Count(runId) < 1 && DateTime.UtcNow < deadline) await Task.Delay(20);

        var stored = Assert.Single(store.Read(runId, 0));
        Assert.Equal((runId, 1L), (stored.RunId, stored.Sequence));
        Assert.Equal(published, stored.Event);
    }

    [Fact]
    public async Task Non_finite_numbers_survive_the_store()
    {
        var runId = RecordId.New();
        _hub.Publish(runId, new StepCompleted(TrainingPhase.Search, 1, 2, double.NaN, double.PositiveInfinity, null, 1e-3, 1e-3, 0, TimeSpan.Zero));
        await _hub.FlushAsync();
        var stored = Assert.IsType<StepCompleted>(Assert.Single(_server.Services.GetRequiredService<RunEventStore>().Read(runId, 0)).Event);
        Assert.True(double.IsNaN(stored.Loss));
        Assert.Equal(double.PositiveInfinity, stored.UpperLoss);
    }

    private static StepCompleted Step(int step) =>
        new(TrainingPhase.Train, step, 10_000, 1.0 / step, null, null, 1e-3, null, 100, TimeSpan.Zero);
}
