using System.Text.Json;
using BiDoRA.Workbench.Services.Runs;
using Npgsql;

namespace BiDoRA.Workbench.Services.Storage.PostgreSql;

/// <summary>
/// Runs in PostgreSQL. Every node reads and changes them, so a change is a row lock (select … for update) around
/// read-modify-write, never a lock in one process; tickets come from a sequence.
/// </summary>
internal sealed class PostgresRunStore(PostgresDatabase db) : IRunStore
{
    public RunRecord Insert(RunRecord run)
    {
        var stored = run with { QueuePosition = null };
        db.DataSource.Execute("insert into runs (id, status, ticket, created_at, json) values ($1, $2, $3, $4, $5)",
            stored.Id, stored.Status.ToString(), stored.QueueTicket, PostgresCommands.Utc(stored.CreatedAt), Json(stored));
        return WithPosition(stored);
    }

    public RunRecord? Get(string id)
    {
        if (!RecordId.IsValid(id)) return null;
        var run = db.DataSource.Command("select json from runs where id = $1", id).Query(r => Read(r.GetString(0))).SingleOrDefault();
        return run is null ? null : WithPosition(run);
    }

    public IReadOnlyList<RunRecord> List()
    {
        var runs = db.DataSource.Command("select json from runs order by created_at desc").Query(r => Read(r.GetString(0)));
        var queued = runs.Where(r => r.Status == RunStatus.Queued).OrderBy(r => r.QueueTicket).Select((r, i) => (r.Id, i + 1)).ToDictionary();
        return [.. runs.Select(r => r with { QueuePosition = queued.TryGetValue(r.Id, out var p) ? p : null })];
    }

    public IReadOnlyList<RunRecord> ListByStatus(RunStatus status) =>
        db.DataSource.Command("select json from runs where status = $1 order by ticket", status.ToString()).Query(r => Read(r.GetString(0)));

    public RunRecord? Update(string id, Func<RunRecord, RunRecord> change)
    {
        if (!RecordId.IsValid(id)) return null;
        using var connection = db.DataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        var current = connection.Command(transaction, "select json from runs where id = $1 for update", id).Query(r => Read(r.GetString(0))).SingleOrDefault();
        if (current is null) return null;
        var updated = change(current) with { QueuePosition = null };
        if (updated.Id != id) throw new InvalidOperationException("A run's id cannot change.");
        using (var command = connection.Command(transaction, "update runs set status = $2, ticket = $3, json = $4 where id = $1",
                   id, updated.Status.ToString(), updated.QueueTicket, Json(updated)))
        {
            command.ExecuteNonQuery();
        }
        transaction.Commit();
        return WithPosition(updated);
    }

    public RunRecord? NextQueued() =>
        db.DataSource.Command("select json from runs where status = $1 order by ticket limit 1", nameof(RunStatus.Queued)).Query(r => Read(r.GetString(0))).SingleOrDefault();

    public long NextTicket()
    {
        using var command = db.DataSource.Command("select nextval('run_tickets')");
        return (long)command.ExecuteScalar()!;
    }


    private RunRecord WithPosition(RunRecord run)
    {
        if (run.Status != RunStatus.Queued) return run;
        using var command = db.DataSource.Command("select count(*) from runs where status = $1 and ticket < $2", nameof(RunStatus.Queued), run.QueueTicket);
        return run with { QueuePosition = (int)(long)command.ExecuteScalar()! + 1 };
    }

    private static string Json(RunRecord run) => JsonSerializer.Serialize(run, WorkbenchJson.Options);

    private static RunRecord Read(string json) =>
        JsonSerializer.Deserialize<RunRecord>(json, WorkbenchJson.Options) ?? throw new InvalidDataException("A run row is empty.");
}
