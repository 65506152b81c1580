using System.Text.Json;
using BiDoRA.Workbench.Services.Datasets;
using LiteDB;
using JsonSerializer = System.Text.Json.JsonSerializer;

namespace BiDoRA.Workbench.Services.Storage;

/// <summary>Dataset metadata in the database, rows in &lt;data&gt;/datasets/&lt;id&gt;.csv.</summary>
internal sealed class DatasetStore(WorkbenchDatabase db, WorkbenchPaths paths) : IDatasetStore
{
    private const string SeededKey = "samples-seeded";

    private readonly ILiteCollection<BsonDocument> _datasets = db.Collection("datasets");
    private readonly ILiteCollection<BsonDocument> _meta = db.Collection("meta");
    private readonly SemaphoreSlim _seeding = new(1, 1);

    public DatasetRecord Add(DatasetRecord dataset, Action<Stream> writeCsv)
    {
        var file = paths.DatasetFile(dataset.Id);
        AtomicFile.Write(file, writeCsv);
        var stored = dataset with { SizeBytes = new FileInfo(file).Length };
        _datasets.Insert(new BsonDocument
        {
            ["_id"] = stored.Id,
            ["json"] = JsonSerializer.Serialize(stored, WorkbenchJson.Options),
        });
        return stored;
    }

    public DatasetRecord? Get(string id)
    {
        if (!RecordId.IsValid(id)) return null;
        var doc = _datasets.FindById(id);
        return doc is null ? null : FromDocument(doc);
    }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<DatasetRecord> List() =>
        _datasets.FindAll().Select(FromDocument).OrderByDescending(d => d.CreatedAt).ToList();

    /// <summary>The normalised CSV of a stored dataset; null when it does not exist.</summary>
    public string? FilePath(string id) => Get(id) is null ? null : paths.DatasetFile(id);

    public bool Delete(string id)
    {
        if (!RecordId.IsValid(id) || !_datasets.Delete(id)) return false;
        File.Delete(paths.DatasetFile(id));
        return true;
    }

    public IDisposable LockSeeding()
    {
        _seeding.Wait();
        return new Releaser(_seeding);
    }

    public bool SetAudit(string id, LeakageAudit? audit)
    {
        if (Get(id) is not { } dataset) return false;
        return _datasets.Update(new BsonDocument
        {
            ["_id"] = id,
            ["json"] = JsonSerializer.Serialize(dataset with { Audit = audit }, WorkbenchJson.Options),
        });
    }

    public bool SamplesSeeded() => _meta.FindById(SeededKey) is not null;

    public void MarkSamplesSeeded(IReadOnlyList<string> datasetIds) =>
        _meta.Upsert(new BsonDocument { ["_id"] = SeededKey, ["at"] = DateTime.UtcNow, ["datasets"] = new BsonArray(datasetIds.Select(id => new BsonValue(id))) });

    private static DatasetRecord FromDocument(BsonDocument doc) =>
        JsonSerializer.Deserialize<DatasetRecord>(doc["json"].AsString, WorkbenchJson.Options)
        ?? throw new InvalidDataException($"Dataset document '{doc["_id"].AsString}' is empty.");

    private sealed class Releaser(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) semaphore.Release();
        }
    }
}
