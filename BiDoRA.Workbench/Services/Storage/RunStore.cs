using System.Text.Json;
using BiDoRA.Workbench.Services.Runs;
using LiteDB;
using JsonSerializer = System.Text.Json.JsonSerializer;

namespace BiDoRA.Workbench.Services.Storage;

/// <summary>
/// Runs in the database. The record travels as JSON (exactly what the API shows); status and queue ticket are
/// copied into indexed fields so the queue can find the next run without reading every record.
/// </summary>
internal sealed class RunStore : IRunStore
{
    private readonly ILiteCollection<BsonDocument> _runs;

    // Read-modify-write of one record must not interleave with another (queue, event writer, API).
    private readonly Lock _gate = new();

    public RunStore(WorkbenchDatabase db)
    {
        _runs = db.Collection("runs");
        _runs.EnsureIndex("status");
    }

    public RunRecord Insert(RunRecord run)
    {
        lock (_gate)
        {
            var stored = run with { QueuePosition = null };
            _runs.Insert(ToDocument(stored));
            return WithPosition(stored);
        }
    }

    public RunRecord? Get(string id)
    {
        if (!RecordId.IsValid(id)) return null;
        var doc = _runs.FindById(id);
        return doc is null ? null : WithPosition(FromDocument(doc));
    }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<RunRecord> List()
    {
        var queued = QueuedIds();
        return _runs.FindAll()
            .Select(FromDocument)
            .OrderByDescending(r => r.CreatedAt)
            .Select(r => WithPosition(r, queued))
            .ToList();
    }

    public IReadOnlyList<RunRecord> ListByStatus(RunStatus status) =>
        _runs.Find(Query.EQ("status", status.ToString())).Select(FromDocument).OrderBy(r => r.QueueTicket).ToList();

    /// <summary>Applies <paramref name="change"/> atomically; null when the run does not exist.</summary>
    public RunRecord? Update(string id, Func<RunRecord, RunRecord> change)
    {
        lock (_gate)
        {
            var doc = _runs.FindById(id);
            if (doc is null) return null;
            var updated = change(FromDocument(doc)) with { QueuePosition = null };
            if (updated.Id != id) throw new InvalidOperationException("A run's id cannot change.");
            _runs.Update(ToDocument(updated));
            return WithPosition(updated);
        }
    }

    /// <summary>The queued run with the lowest ticket.</summary>
    public RunRecord? NextQueued() =>
        _runs.Find(Query.EQ("status", nameof(RunStatus.Queued))).Select(FromDocument).MinBy(r => r.QueueTicket);

    /// <summary>A ticket after every ticket handed out so far.</summary>
    public long NextTicket()
    {
        lock (_gate)
        {
            return _runs.Count() == 0 ? 1 : _runs.Max("ticket").AsInt64 + 1;
        }
    }

    private RunRecord WithPosition(RunRecord run) =>
        run.Status == RunStatus.Queued ? WithPosition(run, QueuedIds()) : run;

    private static RunRecord WithPosition(RunRecord run, IReadOnlyList<string> queued)
    {
        var index = run.Status == RunStatus.Queued ? IndexOf(queued, run.Id) : -1;
        return run with { QueuePosition = index >= 0 ? index + 1 : null };
    }

    private static int IndexOf(IReadOnlyList<string> ids, string id)
    {
        for (var i = 0; i < ids.Count; i++)
        {
            if (ids[i] == id) return i;
        }
        return -1;
    }

    private List<string> QueuedIds() =>
        _runs.Find(Query.EQ("status", nameof(RunStatus.Queued)))
            .OrderBy(d => d["ticket"].AsInt64)
            .Select(d => d["_id"].AsString)
            .ToList();

    private static BsonDocument ToDocument(RunRecord run) => new()
    {
        ["_id"] = run.Id,
        ["status"] = run.Status.ToString(),
        ["ticket"] = run.QueueTicket,
        ["json"] = JsonSerializer.Serialize(run, WorkbenchJson.Options),
    };

    private static RunRecord FromDocument(BsonDocument doc) =>
        JsonSerializer.Deserialize<RunRecord>(doc["json"].AsString, WorkbenchJson.Options)
        ?? throw new InvalidDataException($"Run document '{doc["_id"].AsString}' is empty.");
}
