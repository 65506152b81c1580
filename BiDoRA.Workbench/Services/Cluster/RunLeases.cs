using BiDoRA.Workbench.Services.Storage.PostgreSql;

namespace BiDoRA.Workbench.Services.Cluster;

/// <summary>
/// One active attempt per run, across every worker: a row per run naming its holder and attempt, valid until it
/// expires. Hangfire delivers a job at least once (a second delivery can overlap the first), so the lease, not the
/// job, decides who trains. Taking it is one statement; the database's clock is the only clock that counts.
/// </summary>
internal sealed class RunLeases(PostgresDatabase db)
{
    /// <summary>A new attempt id when the run was free or its holder's lease had lapsed; null while another holds it.</summary>
    public Guid? TryAcquire(string runId, string holder, TimeSpan duration)
    {
        var attempt = Guid.NewGuid();
        using var command = db.DataSource.Command("""
            insert into run_leases (run_id, holder, attempt, expires_at) values ($1, $2, $3, now() + $4)
            on conflict (run_id) do update set holder = excluded.holder, attempt = excluded.attempt, expires_at = excluded.expires_at
              where run_leases.expires_at < now()
            returning attempt
            """, runId, holder, attempt, duration);
        return command.ExecuteScalar() is Guid taken ? taken : null;
    }

    /// <summary>False when the lease is no longer this attempt's (it lapsed and another worker took the run).</summary>
    public bool Renew(string runId, Guid attempt, TimeSpan duration) =>
        db.DataSource.Execute("update run_leases set expires_at = now() + $3 where run_id = $1 and attempt = $2", runId, attempt, duration) == 1;

    public bool Holds(string runId, Guid attempt)
    {
        using var command = db.DataSource.Command("select 1 from run_leases where run_id = $1 and attempt = $2 and expires_at >= now()", runId, attempt);
        return command.ExecuteScalar() is not null;
    }

    public void Release(string runId, Guid attempt) =>
        db.DataSource.Execute("delete from run_leases where run_id = $1 and attempt = $2", runId, attempt);

    /// <summary>Who holds the run now, if anyone.</summary>
    public string? Holder(string runId)
    {
        using var command = db.DataSource.Command("select holder from run_leases where run_id = $1 and expires_at >= now()", runId);
        return command.ExecuteScalar() as string;
    }
}
