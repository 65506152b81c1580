using System.Text.Json;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services;
using BiDoRA.Workbench.Services.Datasets;
using BiDoRA.Workbench.Services.Events;
using BiDoRA.Workbench.Services.Models;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Services.Sweeps;
using Microsoft.Extensions.Options;

namespace BiDoRA.Workbench.Tests.Storage;

/// <summary>
/// What every store implementation promises, run against LiteDB (<see cref="LiteDbStoreContractTests"/>) and
/// PostgreSQL (<see cref="PostgresStoreContractTests"/>). Pages, API and queue rely on exactly this.
/// </summary>
public abstract class StoreContractTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "bidora-tests", Guid.NewGuid().ToString("N"));

    internal sealed record Stores(IDatasetStore Datasets, IRunStore Runs, IRunEventStore Events, ISweepStore Sweeps, IModelLibraryStore Models, IModelDownloadStore Downloads, IDisposable Owner);

    private protected StoreContractTests()
    {
        Paths = new WorkbenchPaths(Options.Create(new WorkbenchOptions { DataDirectory = _data }));
        Paths.EnsureCreated();
    }

    internal WorkbenchPaths Paths { get; }

    /// <summary>Stores on the same data: in cluster mode an independent set, as another node's; in embedded mode the process's one set.</summary>
    internal abstract Stores Open();

    /// <summary>What a node that died leaves for the others: its running download no longer reported (LiteDB: a later process; PostgreSQL: no report for longer than the stale time).</summary>
    internal abstract Stores AfterHolderDied(string downloadName);

    public virtual void Dispose()
    {
        if (Directory.Exists(_data)) Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public void Datasets_are_added_with_their_file_listed_newest_first_and_deleted_with_it()
    {
        var s = Open();
        var older = s.Datasets.Add(Dataset("a", DateTimeOffset.UtcNow.AddMinutes(-5)), stream => stream.Write("sequence,label\nACDE,1\n"u8));
        var newer = s.Datasets.Add(Dataset("b", DateTimeOffset.UtcNow), stream => stream.Write("sequence,label\nKLMN,0\nPQRS,1\n"u8));
        Assert.Equal(22, older.SizeBytes);
        Assert.Equal([newer.Id, older.Id], s.Datasets.List().Select(d => d.Id));
        Assert.Equal(Json(newer), Json(s.Datasets.Get(newer.Id)));
        Assert.Equal("sequence,label\nACDE,1\n", File.ReadAllText(s.Datasets.FilePath(older.Id)!));
        Assert.Empty(Directory.EnumerateFiles(Paths.DatasetsDirectory, "*.partial"));

        Assert.True(s.Datasets.Delete(older.Id));
        Assert.False(s.Datasets.Delete(older.Id));
        Assert.Null(s.Datasets.Get(older.Id));
        Assert.Null(s.Datasets.FilePath(older.Id));
        Assert.False(File.Exists(Paths.DatasetFile(older.Id)));
        Assert.Null(s.Datasets.Get("../etc"));
    }

    [Fact]
    public void A_datasets_audit_is_set_in_its_record_and_seen_by_every_node_without_touching_the_rest()
    {
        var s = Open();
        var dataset = s.Datasets.Add(Dataset("a", DateTimeOffset.UtcNow), stream => stream.Write("sequence,label\nACDE,1\n"u8));
        var audit = new LeakageAudit
        {
            Status = LeakageAuditStatus.Completed, TrainSequences = 1, TestSequences = 2, TestIds = ["t1", "t2"], NearestIdentity = [0.95, 0.2],
            StartedAt = DateTimeOffset.UtcNow.AddSeconds(-3), FinishedAt = DateTimeOffset.UtcNow,
        };
        Assert.True(s.Datasets.SetAudit(dataset.Id, audit));
        var read = Open().Datasets.Get(dataset.Id)!;
        Assert.Equal(Json(dataset with { Audit = audit }), Json(read));
        Assert.Equal(1, read.Audit!.AtOrAbove(0.9));
        Assert.Equal("sequence,label\nACDE,1\n", File.ReadAllText(s.Datasets.FilePath(dataset.Id)!));

        Assert.True(s.Datasets.SetAudit(dataset.Id, null));
        Assert.Null(Open().Datasets.Get(dataset.Id)!.Audit);
        Assert.False(s.Datasets.SetAudit(RecordId.New(), audit));
        Assert.False(s.Datasets.SetAudit("../etc", audit));
    }

    [Fact]
    public void The_samples_are_marked_seeded_once_for_every_node()
    {
        var s = Open();
        Assert.False(s.Datasets.SamplesSeeded());
        s.Datasets.MarkSamplesSeeded(["a1", "b2"]);
        s.Datasets.MarkSamplesSeeded([]);
        Assert.True(Open().Datasets.SamplesSeeded());
    }

    [Fact]
    public async Task The_seeding_lock_is_held_by_one_node_at_a_time()
    {
        var a = Open();
        var b = Open();
        var held = a.Datasets.LockSeeding();
        var waiting = Task.Run(() => b.Datasets.LockSeeding());
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted, "a second node took the seeding lock while the first held it");
        held.Dispose();
        using (await waiting.WaitAsync(TimeSpan.FromSeconds(10)))
        {
        }
        using (a.Datasets.LockSeeding())
        {
        }
    }

    [Fact]
    public void Runs_round_trip_queue_in_ticket_order_and_show_their_queue_position()
    {
        var s = Open();
        // As the queue does: a ticket, then the run that holds it.
        var tickets = new List<long>();
        RunRecord Next(RunStatus status)
        {
            tickets.Add(s.Runs.NextTicket());
            return s.Runs.Insert(Run(status, tickets[^1]));
        }
        var first = Next(RunStatus.Queued);
        var second = Next(RunStatus.Queued);
        var done = s.Runs.Update(Next(RunStatus.Completed).Id, r => r with { FinalMetrics = new Dictionary<string, double> { ["mcc"] = 0.5 } })!;
        Assert.True(tickets[0] < tickets[1] && tickets[1] < tickets[2], string.Join(",", tickets));
        Assert.Equal(1, first.QueuePosition);
        Assert.Equal(2, second.QueuePosition);
        Assert.Null(done.QueuePosition);
        Assert.True(s.Runs.NextTicket() > tickets[2]);

        Assert.Equal(first.Id, s.Runs.NextQueued()!.Id);
        Assert.Equal([first.Id, second.Id], s.Runs.ListByStatus(RunStatus.Queued).Select(r => r.Id));
        Assert.Equal(Json(done), Json(s.Runs.Get(done.Id)));
        var listed = s.Runs.List();
        Assert.Equal(3, listed.Count);
        Assert.Equal(2, listed.Single(r => r.Id == second.Id).QueuePosition);

        var started = s.Runs.Update(first.Id, r => r with { Status = RunStatus.Running, Attempts = r.Attempts + 1 })!;
        Assert.Null(started.QueuePosition);
        Assert.Equal(1, s.Runs.Get(second.Id)!.QueuePosition);
        Assert.Equal(second.Id, s.Runs.NextQueued()!.Id);
        Assert.Null(s.Runs.Update("nothere", r => r));
        Assert.Throws<InvalidOperationException>(() => s.Runs.Update(second.Id, r => r with { Id = "other" }));
    }

    [Fact]
    public async Task Concurrent_updates_of_one_run_from_two_sets_of_stores_lose_nothing()
    {
        var a = Open();
        var b = Open();
        var run = a.Runs.Insert(Run(RunStatus.Running, a.Runs.NextTicket()));
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
        {
            var store = i % 2 == 0 ? a.Runs : b.Runs;
            for (var k = 0; k < 25; k++) store.Update(run.Id, r => r with { Attempts = r.Attempts + 1 });
        })));
        Assert.Equal(200, a.Runs.Get(run.Id)!.Attempts);
    }

    [Fact]
    public void Events_are_read_by_range_in_sequence_order_and_a_retried_batch_adds_nothing()
    {
        var s = Open();
        var run = RecordId.New();
        var other = RecordId.New();
        var events = Enumerable.Range(1, 120).Select(i => Envelope(run, i)).ToList();
        s.Events.Append(events.Take(50).ToList());
        s.Events.Append([Envelope(other, 1)]);
        s.Events.Append(events.Skip(50).ToList());
        Assert.Equal(120, s.Events.LastSequence(run));
        Assert.Equal(120, s.Events.Count(run));
        Assert.Equal(Json(events), Json(s.Events.Read(run, 0)));
        Assert.Equal(Enumerable.Range(11, 10).Select(i => (long)i), s.Events.Read(run, 10, 20).Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(101, 5).Select(i => (long)i), s.Events.Read(run, 100, limit: 5).Select(e => e.Sequence));
        Assert.Empty(s.Events.Read(run, 20, 20));
        Assert.Empty(s.Events.Read(run, 120));

        // A batch whose acknowledgement was lost is written again, partly overlapping what is stored.
        var changed = events.Skip(110).Select(e => e with { Event = new RunFailed("not this", 0) }).Append(Envelope(run, 121)).ToList();
        s.Events.Append(changed);
        Assert.Equal(121, Open().Events.LastSequence(run));
        Assert.Equal(Json(events.Skip(110)), Json(s.Events.Read(run, 110, 120)));

        Assert.Equal(1, s.Events.Count(other));
        Assert.Empty(s.Events.Read("../x", 0));
    }

    [Fact]
    public void Sweeps_round_trip_listed_newest_first()
    {
        var s = Open();
        var old = s.Sweeps.Insert(new SweepRecord { Id = RecordId.New(), Name = "old", Methods = ["lora", "bidora"], Seeds = [1, 2], CreatedAt = DateTimeOffset.UtcNow.AddHours(-1) });
        var recent = s.Sweeps.Insert(new SweepRecord { Id = RecordId.New(), Name = "new", Runs = [new SweepRunEntry("r1", "lora", 1)], CreatedAt = DateTimeOffset.UtcNow });
        Assert.Equal([recent.Id, old.Id], s.Sweeps.List().Select(x => x.Id));
        Assert.Equal(Json(old), Json(s.Sweeps.Get(old.Id)));
    }

    [Fact]
    public void Model_library_entries_are_unique_by_kind_and_name_listed_by_name_and_seen_by_every_node()
    {
        var s = Open();
        var trained = new TrainedModelInfo("bbp-dora", "trained:bbp-dora", Engine.Interop.TrainedModelKind.PeftAdapter, AdapterMethod.Dora, "mini",
            Engine.Data.TaskKind.Binary, ["no", "yes"], "/elsewhere/bbp-dora", DateTimeOffset.UtcNow);
        Assert.True(s.Models.TryAdd(new ModelLibraryEntry(ModelEntryKind.Base, "my-esm", "/src/my-esm", DateTimeOffset.UtcNow)));
        Assert.True(s.Models.TryAdd(new ModelLibraryEntry(ModelEntryKind.Base, "Alpha", "/src/Alpha", DateTimeOffset.UtcNow)));
        Assert.True(s.Models.TryAdd(new ModelLibraryEntry(ModelEntryKind.Trained, "bbp-dora", trained.Source, trained.ImportedAt) { Trained = trained }));
        // The same name as a trained model is another entry; the same kind and name again is refused and changes nothing.
        Assert.True(s.Models.TryAdd(new ModelLibraryEntry(ModelEntryKind.Trained, "my-esm", "/x", DateTimeOffset.UtcNow)));
        Assert.False(Open().Models.TryAdd(new ModelLibraryEntry(ModelEntryKind.Base, "my-esm", "/another", DateTimeOffset.UtcNow)));

        var other = Open().Models;
        Assert.Equal("/src/my-esm", other.Get(ModelEntryKind.Base, "my-esm")!.Source);
        Assert.Equal(["Alpha", "my-esm"], other.List(ModelEntryKind.Base).Select(e => e.Name));
        Assert.Equal(["bbp-dora", "my-esm"], other.List(ModelEntryKind.Trained).Select(e => e.Name));
        Assert.Equal(Json(trained), Json(other.Get(ModelEntryKind.Trained, "bbp-dora")!.Trained));
        Assert.Null(other.Get(ModelEntryKind.Base, "bbp-dora"));

        Assert.True(other.Delete(ModelEntryKind.Base, "my-esm"));
        Assert.False(s.Models.Delete(ModelEntryKind.Base, "my-esm"));
        Assert.Null(s.Models.Get(ModelEntryKind.Base, "my-esm"));
        Assert.NotNull(s.Models.Get(ModelEntryKind.Trained, "my-esm"));
    }

    [Fact]
    public void A_download_runs_on_one_node_at_a_time_shows_its_progress_everywhere_and_takes_a_cancel_from_any()
    {
        var a = Open();
        var b = Open();
        var running = new ModelDownloadState("esm2_t6_8M_UR50D", ModelDownloadStatus.Running, 0, null, null, DateTimeOffset.UtcNow);
        Assert.Null(a.Downloads.Get(running.Name));
        Assert.True(a.Downloads.TryBegin(running, "node-a"));
        Assert.False(b.Downloads.TryBegin(running, "node-b"));
        Assert.True(a.Downloads.TryBegin(running, "node-a"));

        var progress = running with { BytesReceived = 1_000, BytesTotal = 31_000_000, File = "model.safetensors" };
        Assert.True(a.Downloads.Save(progress, "node-a"));
        Assert.False(b.Downloads.Save(progress with { BytesReceived = 5 }, "node-b"));
        var seen = b.Downloads.Get(running.Name.ToUpperInvariant())!;
        Assert.Equal((1_000L, "node-a", false, false), (seen.State.BytesReceived, seen.Holder, seen.CancelRequested, seen.Stale));

        Assert.True(b.Downloads.RequestCancel(running.Name));
        Assert.True(a.Downloads.Get(running.Name)!.CancelRequested);
        Assert.False(b.Downloads.RequestCancel("esm2_t12_35M_UR50D"));
        Assert.True(a.Downloads.Save(progress with { Status = ModelDownloadStatus.Cancelled }, "node-a"));
        Assert.False(b.Downloads.RequestCancel(running.Name));

        // Once it is no longer running, another node may start it again; the cancel request does not carry over.
        Assert.True(b.Downloads.TryBegin(running, "node-b"));
        Assert.Equal(("node-b", false), (a.Downloads.Get(running.Name)!.Holder, a.Downloads.Get(running.Name)!.CancelRequested));
        Assert.False(a.Downloads.Save(progress, "node-a"));
    }

    [Fact]
    public void A_download_whose_node_died_is_stale_and_another_node_takes_it_over()
    {
        var a = Open();
        var running = new ModelDownloadState("esm2_t6_8M_UR50D", ModelDownloadStatus.Running, 10, 100, null, DateTimeOffset.UtcNow);
        Assert.True(a.Downloads.TryBegin(running, "node-a"));
        var later = AfterHolderDied(running.Name);
        var stale = later.Downloads.Get(running.Name)!;
        Assert.True(stale.Stale);
        Assert.Equal(ModelDownloadStatus.Running, stale.State.Status);
        Assert.False(later.Downloads.RequestCancel(running.Name));
        Assert.True(later.Downloads.TryBegin(running with { BytesReceived = 10 }, "node-b"));
        Assert.False(later.Downloads.Get(running.Name)!.Stale);
    }

    private static DatasetRecord Dataset(string name, DateTimeOffset created) =>
        new() { Id = RecordId.New(), Name = name, FileName = name + ".csv", Format = "csv", CreatedAt = created };

    private RunRecord Run(RunStatus status, long ticket)
    {
        var id = RecordId.New();
        return new RunRecord
        {
            Id = id,
            Name = "run " + id,
            Plan = new RunPlan { DatasetPath = "/data/d.csv", OutputDirectory = Paths.RunFolder(id), Method = AdapterMethod.BiDora, Steps = 10 },
            Status = status,
            QueueTicket = ticket,
            CreatedAt = DateTimeOffset.UtcNow,
        };
    }

    private static RunEventEnvelope Envelope(string run, int sequence) =>
        new(run, sequence, new StepCompleted(TrainingPhase.Search, sequence, 200, 1.0 / sequence, 0.5, 1e-3, 1e-3, 1e-4, 100, TimeSpan.FromSeconds(sequence)));

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, WorkbenchJson.Options);
}

/// <summary>The contract on LiteDB: every <see cref="Open"/> shares the process's one database, as the workbench does.</summary>
public sealed class LiteDbStoreContractTests : StoreContractTests
{
    private readonly WorkbenchDatabase _db;

    public LiteDbStoreContractTests() => _db = new WorkbenchDatabase(Paths);

    private Stores? _stores;

    /// <summary>LiteDB is one process's: the same stores every time, as the workbench's singletons.</summary>
    internal override Stores Open() =>
        _stores ??= new(new DatasetStore(_db, Paths), new RunStore(_db), new RunEventStore(_db), new SweepStore(_db), new ModelLibraryStore(_db), new ModelDownloadStore(_db), _db);

    /// <summary>A later process on the same file: the stores are new, the records stay.</summary>
    internal override Stores AfterHolderDied(string downloadName) => Open() with { Downloads = new ModelDownloadStore(_db) };

    public override void Dispose()
    {
        _db.Dispose();
        base.Dispose();
    }
}
