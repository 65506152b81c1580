using System.Text.Json;
using BiDoRA.Workbench.Services.Datasets;

namespace BiDoRA.Workbench.Services.Storage.PostgreSql;

/// <summary>Dataset metadata in PostgreSQL; the rows, as in embedded mode, a CSV file in the (shared) data folder.</summary>
internal sealed class PostgresDatasetStore : IDatasetStore
{
    private const string SeededKey = "samples-seeded";

    // Any fixed number, not the migration lock's: every web node takes it around seeding.
    private const long SeedingLock = 0x6269646f7261 + 1;

    private readonly PostgresDatabase _db;
    private readonly WorkbenchPaths _paths;

    public PostgresDatasetStore(PostgresDatabase db, WorkbenchPaths paths)
    {
        _db = db;
        _paths = paths;
        paths.EnsureCreated();
    }

    public DatasetRecord Add(DatasetRecord dataset, Action<Stream> writeCsv)
    {
        var file = _paths.DatasetFile(dataset.Id);
        AtomicFile.Write(file, writeCsv);
        var stored = dataset with { SizeBytes = new FileInfo(file).Length };
        _db.DataSource.Execute("insert into datasets (id, created_at, json) values ($1, $2, $3)",
            stored.Id, PostgresCommands.Utc(stored.CreatedAt), JsonSerializer.Serialize(stored, WorkbenchJson.Options));
        return stored;
    }

    public DatasetRecord? Get(string id)
    {
        if (!RecordId.IsValid(id)) return null;
        return _db.DataSource.Command("select json from datasets where id = $1", id).Query(r => Read(r.GetString(0))).SingleOrDefault();
    }

    public IReadOnlyList<DatasetRecord> List() =>
        _db.DataSource.Command("select json from datasets order by created_at desc").Query(r => Read(r.GetString(0)));

    public string? FilePath(string id) => Get(id) is null ? null : _paths.DatasetFile(id);

    public bool Delete(string id)
    {
        if (!RecordId.IsValid(id) || _db.DataSource.Execute("delete from datasets where id = $1", id) == 0) return false;
        File.Delete(_paths.DatasetFile(id));
        return true;
    }

    /// <summary>A session advisory lock on a connection of its own, held until disposed; a node that dies loses it with its connection.</summary>
    public IDisposable LockSeeding()
    {
        var connection = PostgresRetry.Run(_db.DataSource.OpenConnection);
        try
        {
            using var command = connection.Command(null, "select pg_advisory_lock($1)", SeedingLock);
            command.ExecuteNonQuery();
            return new Held(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <remarks>The audit lives in the record's JSON, so no column or migration is needed.</remarks>
    public bool SetAudit(string id, LeakageAudit? audit)
    {
        if (Get(id) is not { } dataset) return false;
        return _db.DataSource.Execute("update datasets set json = $2 where id = $1", id, JsonSerializer.Serialize(dataset with { Audit = audit }, WorkbenchJson.Options)) > 0;
    }

    public bool SamplesSeeded() =>
        _db.DataSource.Command("select 1 from meta where key = $1", SeededKey).Query(_ => true).Count > 0;

    public void MarkSamplesSeeded(IReadOnlyList<string> datasetIds) =>
        _db.DataSource.Execute("insert into meta (key, json) values ($1, $2) on conflict (key) do update set json = excluded.json",
            SeededKey, JsonSerializer.Serialize(new { at = DateTimeOffset.UtcNow, datasets = datasetIds }));

    private static DatasetRecord Read(string json) =>
        JsonSerializer.Deserialize<DatasetRecord>(json, WorkbenchJson.Options) ?? throw new InvalidDataException("A dataset row is empty.");

    private sealed class Held(Npgsql.NpgsqlConnection connection) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                using var unlock = connection.Command(null, "select pg_advisory_unlock($1)", SeedingLock);
                unlock.ExecuteNonQuery();
            }
            catch (Npgsql.NpgsqlException)
            {
                // The connection is gone, and the server released the lock with it.
            }
            connection.Dispose();
        }
    }
}
