using System.Text.Json;
using BiDoRA.Workbench.Services.Sweeps;

namespace BiDoRA.Workbench.Services.Storage.PostgreSql;

/// <summary>Sweeps in PostgreSQL, as JSON (exactly what the API shows).</summary>
internal sealed class PostgresSweepStore(PostgresDatabase db) : ISweepStore
{
    public SweepRecord Insert(SweepRecord sweep)
    {
        db.DataSource.Execute("insert into sweeps (id, created_at, json) values ($1, $2, $3)",
            sweep.Id, PostgresCommands.Utc(sweep.CreatedAt), JsonSerializer.Serialize(sweep, WorkbenchJson.Options));
        return sweep;
    }

    public SweepRecord? Get(string id) =>
        RecordId.IsValid(id) ? db.DataSource.Command("select json from sweeps where id = $1", id).Query(r => Read(r.GetString(0))).SingleOrDefault() : null;

    public IReadOnlyList<SweepRecord> List() =>
        db.DataSource.Command("select json from sweeps order by created_at desc").Query(r => Read(r.GetString(0)));


    private static SweepRecord Read(string json) =>
        JsonSerializer.Deserialize<SweepRecord>(json, WorkbenchJson.Options) ?? throw new InvalidDataException("A sweep row is empty.");
}
