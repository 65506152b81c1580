using System.Text.Json;
using BiDoRA.Workbench.Services.Datasets;

namespace BiDoRA.Workbench.Services.Storage.PostgreSql;

/// <summary>Dataset metadata in PostgreSQL; the rows, as in embedded mode, a CSV file in the (shared) data folder.</summary>
internal sealed class PostgresDatasetStore(PostgresDatabase db, WorkbenchPaths paths) : IDatasetStore
{
    private const string SeededKey = "samples-seeded";

    public DatasetRecord Add(DatasetRecord dataset, Action<Stream> writeCsv)
    {
        var file = paths.DatasetFile(dataset.Id);
        AtomicFile.Write(file, writeCsv);
        var stored = dataset with { SizeBytes = new FileInfo(file).Length };
        db.DataSource.Execute("insert into datasets (id, created_at, json) values ($1, $2, $3)",
            stored.Id, PostgresCommands.Utc(stored.CreatedAt), JsonSerializer.Serialize(stored, WorkbenchJson.Options));
        return stored;
    }

    public DatasetRecord? Get(string id)
    {
        if (!RecordId.IsValid(id)) return null;
        return db.DataSource.Command("select json from datasets where id = $1", id).Query(r => Read(r.GetString(0))).SingleOrDefault();
    }

    public IReadOnlyList<DatasetRecord> List() =>
        db.DataSource.Command("select json from datasets order by created_at desc").Query(r => Read(r.GetString(0)));

    public string? FilePath(string id) => Get(id) is null ? null : paths.DatasetFile(id);

    public bool Delete(string id)
    {
        if (!RecordId.IsValid(id) || db.DataSource.Execute("delete from datasets where id = $1", id) == 0) return false;
        File.Delete(paths.DatasetFile(id));
        return true;
    }

    public bool SamplesSeeded() =>
        db.DataSource.Command("select 1 from meta where key = $1", SeededKey).Query(_ => true).Count > 0;

    public void MarkSamplesSeeded(IReadOnlyList<string> datasetIds) =>
        db.DataSource.Execute("insert into meta (key, json) values ($1, $2) on conflict (key) do update set json = excluded.json",
            SeededKey, JsonSerializer.Serialize(new { at = DateTimeOffset.UtcNow, datasets = datasetIds }));

    private static DatasetRecord Read(string json) =>
        JsonSerializer.Deserialize<DatasetRecord>(json, WorkbenchJson.Options) ?? throw new InvalidDataException("A dataset row is empty.");
}
