using BiDoRA.Workbench.Services.Storage;
using LiteDB;
using JsonSerializer = System.Text.Json.JsonSerializer;

namespace BiDoRA.Workbench.Services.Sweeps;

/// <summary>Sweeps in the database, as JSON documents (exactly what the API shows), like runs.</summary>
internal sealed class SweepStore : ISweepStore
{
    private readonly ILiteCollection<BsonDocument> _sweeps;

    public SweepStore(WorkbenchDatabase db) => _sweeps = db.Collection("sweeps");

    public SweepRecord Insert(SweepRecord sweep)
    {
        _sweeps.Insert(new BsonDocument
        {
            ["_id"] = sweep.Id,
            ["json"] = JsonSerializer.Serialize(sweep, WorkbenchJson.Options),
        });
        return sweep;
    }

    public SweepRecord? Get(string id)
    {
        if (!RecordId.IsValid(id)) return null;
        var doc = _sweeps.FindById(id);
        return doc is null ? null : FromDocument(doc);
    }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<SweepRecord> List() =>
        _sweeps.FindAll().Select(FromDocument).OrderByDescending(s => s.CreatedAt).ToList();

    private static SweepRecord FromDocument(BsonDocument doc) =>
        JsonSerializer.Deserialize<SweepRecord>(doc["json"].AsString, WorkbenchJson.Options)
        ?? throw new InvalidDataException($"Sweep document '{doc["_id"].AsString}' is empty.");
}
