using BiDoRA.Workbench.Services.Jobs;
using BiDoRA.Workbench.Services.Storage.PostgreSql;
using Npgsql;

namespace BiDoRA.Workbench.Services.Cluster;

/// <summary>
/// The inference jobs' records in PostgreSQL: the web node inserts one and watches it, the worker takes it, reports
/// progress on it and ends it. Every statement is one row's update, safe to retry while the server restarts.
/// </summary>
internal sealed class InferenceJobStore(PostgresDatabase db)
{
    private const string Columns = "id, kind, target, queue, status, progress, worker, problem, field, error, cancel_requested, created_at, started_at, ended_at";

    public void Insert(InferenceJobRecord job) =>
        db.DataSource.Execute($"insert into inference_jobs ({Columns}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            job.Id, job.Kind.ToString(), job.Target, job.Queue, Name(job.Status), job.Progress, job.Worker, job.Problem, job.Field, job.Error, job.CancelRequested,
            PostgresCommands.Utc(job.CreatedAt), job.StartedAt is { } s ? PostgresCommands.Utc(s) : null, job.EndedAt is { } e ? PostgresCommands.Utc(e) : null);

    public InferenceJobRecord? Get(string id) =>
        db.DataSource.Command($"select {Columns} from inference_jobs where id = $1", id).Query(Read).SingleOrDefault();

    /// <summary>
    /// This worker takes the job: null when it is gone, ended or cancelled. A job still running is taken again: only a
    /// dead worker's job is delivered twice (the invisibility timeout slides while its worker lives).
    /// </summary>
    public InferenceJobRecord? TryStart(string id, string worker) =>
        db.DataSource.Command($"""
            update inference_jobs set status = 'running', worker = $2, progress = 0, started_at = now()
            where id = $1 and status in ('queued', 'running') and not cancel_requested
            returning {Columns}
            """, id, worker).Query(Read).SingleOrDefault();

    /// <summary>Stores the progress; true when someone asked the job to stop.</summary>
    public bool Report(string id, double progress) =>
        db.DataSource.Scalar("update inference_jobs set progress = $2 where id = $1 and status = 'running' returning cancel_requested", id, progress) is true;

    public void Finish(string id, InferenceJobStatus status, string? problem = null, string? field = null, string? error = null) =>
        db.DataSource.Execute("""
            update inference_jobs set status = $2, progress = case when $2 = 'completed' then 1 else progress end, problem = $3, field = $4, error = $5, ended_at = now()
            where id = $1 and status in ('queued', 'running')
            """, id, Name(status), problem, field, error);

    /// <summary>A queued job ends here; a running one is stopped by its worker, which watches the flag.</summary>
    public void RequestCancel(string id) =>
        db.DataSource.Execute("""
            update inference_jobs set cancel_requested = true,
              status = case when status = 'queued' then 'cancelled' else status end,
              ended_at = case when status = 'queued' then now() else ended_at end
            where id = $1
            """, id);

    private static string Name(InferenceJobStatus status) => status.ToString().ToLowerInvariant();

    private static InferenceJobRecord Read(NpgsqlDataReader r) => new(
        r.GetString(0),
        Enum.Parse<InferenceJobKind>(r.GetString(1)),
        r.GetString(2),
        r.GetString(3),
        Enum.Parse<InferenceJobStatus>(r.GetString(4), ignoreCase: true),
        r.GetDouble(5),
        r.IsDBNull(6) ? null : r.GetString(6),
        r.IsDBNull(7) ? null : r.GetString(7),
        r.IsDBNull(8) ? null : r.GetString(8),
        r.IsDBNull(9) ? null : r.GetString(9),
        r.GetBoolean(10),
        new DateTimeOffset(r.GetDateTime(11), TimeSpan.Zero),
        r.IsDBNull(12) ? null : new DateTimeOffset(r.GetDateTime(12), TimeSpan.Zero),
        r.IsDBNull(13) ? null : new DateTimeOffset(r.GetDateTime(13), TimeSpan.Zero));
}
