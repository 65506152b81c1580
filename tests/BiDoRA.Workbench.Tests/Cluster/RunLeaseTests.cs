using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Cluster;
using BiDoRA.Workbench.Services.Events;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Services.Storage.PostgreSql;
using BiDoRA.Workbench.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BiDoRA.Workbench.Tests.Cluster;

/// <summary>
/// Hangfire.PostgreSql can deliver a long job a second time while the first delivery still runs (its issues #130,
/// #209, #352, #381). The run lease is what keeps the two from training the same run side by side.
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed class RunLeaseTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "bidora-tests", Guid.NewGuid().ToString("N"));
    private readonly ScriptedRunExecutor _executor = new() { Steps = 40, StepDelay = TimeSpan.FromMilliseconds(15), CheckpointEvery = 5 };
    private ServiceProvider _services = null!;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_data);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOptions<WorkbenchOptions>().Configure(o =>
        {
            o.DataDirectory = _data;
            o.EventFlushInterval = TimeSpan.FromMilliseconds(50);
        });
        services.AddOptions<ClusterOptions>().Configure(o =>
        {
            o.LeaseDuration = TimeSpan.FromSeconds(3);
            o.CancelPollInterval = TimeSpan.FromMilliseconds(200);
        });
        services.AddSingleton<WorkbenchPaths>();
        services.AddPostgresStores(PostgresDatabase.Open(PostgresServer.Shared.CreateDatabase()));
        services.AddSignalR();
        services.AddSingleton<RunEventWriter>();
        services.AddSingleton<RunStatusNotifier>();
        services.AddSingleton<RunEventHub>();
        services.AddSingleton<RunAttempt>();
        services.AddSingleton<RunLeases>();
        services.AddSingleton<IRunExecutor>(_executor);
        _services = services.BuildServiceProvider();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Two_deliveries_of_one_run_s_job_at_once_train_it_once()
    {
        var run = Insert(RunStatus.Queued);
        await Task.WhenAll(Job("worker-a").ExecuteAsync(run.Id, CancellationToken.None), Job("worker-b").ExecuteAsync(run.Id, CancellationToken.None));

        Assert.Equal(1, _executor.MaxConcurrent);
        Assert.Single(_executor.StartOrder);
        var done = Runs.Get(run.Id)!;
        Assert.Equal(RunStatus.Completed, done.Status);
        Assert.Equal(1, done.Attempts);
        var events = Events.Read(run.Id, 0);
        Assert.Equal(Enumerable.Range(1, 40), events.Select(e => e.Event).OfType<StepCompleted>().Select(s => s.Step));
        Assert.Single(events, e => e.Event is RunStarted);
        Assert.Null(_services.GetRequiredService<RunLeases>().Holder(run.Id));
    }

    [Fact]
    public async Task A_run_whose_worker_died_is_taken_over_once_the_dead_worker_s_lease_lapses()
    {
        var run = Insert(RunStatus.Running) with { Attempts = 1 };
        Runs.Update(run.Id, r => r with { Attempts = 1, Worker = "dead" });
        Assert.NotNull(_services.GetRequiredService<RunLeases>().TryAcquire(run.Id, "dead", TimeSpan.FromSeconds(2)));
        var started = DateTime.UtcNow;
        await Job("worker-b").ExecuteAsync(run.Id, CancellationToken.None);

        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(1.5), "it did not wait for the dead worker's lease");
        var done = Runs.Get(run.Id)!;
        Assert.Equal((RunStatus.Completed, "worker-b", 2), (done.Status, done.Worker, done.Attempts));
        Assert.True(_executor.ResumeFlags[run.Id], "the new worker did not resume");
    }

    [Fact]
    public async Task A_cancel_stored_by_another_process_stops_the_training_worker()
    {
        _executor.Steps = 100_000;
        var run = Insert(RunStatus.Queued);
        var training = Job("worker-a").ExecuteAsync(run.Id, CancellationToken.None);
        await _executor.WaitUntilStartedAsync(run.Id);
        // A web node elsewhere: its own connection to the database.
        using (var web = PostgresDatabase.Open(((PostgresDatabase)_services.GetRequiredService<PostgresDatabase>()).ConnectionString))
        {
            new PostgresRunStore(web).Update(run.Id, r => r with { CancelRequested = true });
        }
        await training.WaitAsync(TimeSpan.FromSeconds(30));
        var cancelled = Runs.Get(run.Id)!;
        Assert.Equal(RunStatus.Cancelled, cancelled.Status);
        Assert.IsType<RunCancelled>(Events.Read(run.Id, 0)[^1].Event);
    }

    private IRunStore Runs => _services.GetRequiredService<IRunStore>();

    private IRunEventStore Events => _services.GetRequiredService<IRunEventStore>();

    private RunJob Job(string worker) => new(Runs, _services.GetRequiredService<RunLeases>(), _services.GetRequiredService<RunAttempt>(),
        _services.GetRequiredService<RunEventHub>(), new WorkerIdentity(worker, "auto", ["cpu"]),
        _services.GetRequiredService<IOptions<ClusterOptions>>(), NullLogger<RunJob>.Instance);

    private RunRecord Insert(RunStatus status)
    {
        var id = RecordId.New();
        var paths = _services.GetRequiredService<WorkbenchPaths>();
        return Runs.Insert(new RunRecord
        {
            Id = id,
            Name = "leased",
            Plan = new RunPlan { DatasetPath = Path.Combine(_data, "d.csv"), OutputDirectory = paths.RunFolder(id), Steps = 40 },
            Status = status,
            QueueTicket = Runs.NextTicket(),
            CreatedAt = DateTimeOffset.UtcNow,
        });
    }
}
