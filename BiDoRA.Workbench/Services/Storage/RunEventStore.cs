using System.Globalization;
using System.Text.Json;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Events;
using LiteDB;
using JsonSerializer = System.Text.Json.JsonSerializer;

namespace BiDoRA.Workbench.Services.Storage;

/// <summary>
/// Every training event of every run. The key "&lt;run&gt;/&lt;sequence, zero-padded&gt;" sorts by run and then by
/// sequence, so reading a run's events after a sequence is one range scan of the primary index.
/// </summary>
internal sealed class RunEventStore : IRunEventStore
{
    private const string SequenceFormat = "D19";

    private readonly ILiteCollection<BsonDocument> _events;

    public RunEventStore(WorkbenchDatabase db)
    {
        _events = db.Collection("events");
    }

    public void Append(IReadOnlyCollection<RunEventEnvelope> batch)
    {
        if (batch.Count == 0) return;
        try
        {
            _events.InsertBulk(batch.Select(ToDocument), batchSize: Math.Max(batch.Count, 1));
        }
        catch (LiteException e) when (e.ErrorCode == LiteException.INDEX_DUPLICATE_KEY)
        {
            // A batch retried after a failed write: what is stored stays, the rest is added.
            foreach (var document in batch.Select(ToDocument))
            {
                if (_events.FindById(document["_id"]) is null) _events.Insert(document);
            }
        }
    }

    /// <summary>Events with <paramref name="afterSequence"/> &lt; sequence ≤ <paramref name="upToSequence"/>, in order.</summary>
    public IReadOnlyList<RunEventEnvelope> Read(string runId, long afterSequence, long upToSequence = long.MaxValue, int limit = int.MaxValue)
    {
        if (!RecordId.IsValid(runId) || upToSequence <= afterSequence || limit <= 0) return [];
        var from = Key(runId, Math.Max(afterSequence, 0) + 1);
        var to = Key(runId, upToSequence);
        return _events.Query()
            .Where(Query.Between("_id", from, to))
            .OrderBy("_id")
            .Limit(limit)
            .ToEnumerable()
            .Select(FromDocument)
            .ToList();
    }

    public long LastSequence(string runId)
    {
        if (!RecordId.IsValid(runId)) return 0;
        var last = _events.Query()
            .Where(Query.Between("_id", Key(runId, 1), Key(runId, long.MaxValue)))
            .OrderByDescending("_id")
            .Limit(1)
            .FirstOrDefault();
        return last is null ? 0 : last["seq"].AsInt64;
    }

    public int Count(string runId) =>
        RecordId.IsValid(runId) ? _events.Count(Query.Between("_id", Key(runId, 1), Key(runId, long.MaxValue))) : 0;

    private static string Key(string runId, long sequence) =>
        runId + "/" + sequence.ToString(SequenceFormat, CultureInfo.InvariantCulture);

    private static BsonDocument ToDocument(RunEventEnvelope e) => new()
    {
        ["_id"] = Key(e.RunId, e.Sequence),
        ["run"] = e.RunId,
        ["seq"] = e.Sequence,
        ["json"] = JsonSerializer.Serialize(e.Event, WorkbenchJson.Options),
    };

    private static RunEventEnvelope FromDocument(BsonDocument doc) => new(
        doc["run"].AsString,
        doc["seq"].AsInt64,
        JsonSerializer.Deserialize<TrainingEvent>(doc["json"].AsString, WorkbenchJson.Options)
            ?? throw new InvalidDataException($"Event '{doc["_id"].AsString}' is empty."));
}
