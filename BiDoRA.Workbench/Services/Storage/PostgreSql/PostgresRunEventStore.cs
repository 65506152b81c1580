using System.Text.Json;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Events;

namespace BiDoRA.Workbench.Services.Storage.PostgreSql;

/// <summary>
/// Training events in PostgreSQL, keyed by (run, sequence). A batch is one statement; a retry of a batch whose commit
/// was lost with the connection (a restarted server) finds its rows there and adds nothing.
/// </summary>
internal sealed class PostgresRunEventStore(PostgresDatabase db) : IRunEventStore
{
    public void Append(IReadOnlyCollection<RunEventEnvelope> batch)
    {
        if (batch.Count == 0) return;
        db.DataSource.Execute("""
            insert into run_events (run_id, seq, json)
            select * from unnest($1::text[], $2::bigint[], $3::text[])
            on conflict (run_id, seq) do nothing
            """,
            batch.Select(e => e.RunId).ToArray(), batch.Select(e => e.Sequence).ToArray(),
            batch.Select(e => JsonSerializer.Serialize(e.Event, WorkbenchJson.Options)).ToArray());
    }

    public IReadOnlyList<RunEventEnvelope> Read(string runId, long afterSequence, long upToSequence = long.MaxValue, int limit = int.MaxValue)
    {
        if (!RecordId.IsValid(runId) || upToSequence <= afterSequence || limit <= 0) return [];
        return db.DataSource.Command("select seq, json from run_events where run_id = $1 and seq > $2 and seq <= $3 order by seq limit $4",
                runId, afterSequence, upToSequence, (long)limit)
            .Query(r => new RunEventEnvelope(runId, r.GetInt64(0),
                JsonSerializer.Deserialize<TrainingEvent>(r.GetString(1), WorkbenchJson.Options) ?? throw new InvalidDataException($"Event {r.GetInt64(0)} of run {runId} is empty.")));
    }

    public long LastSequence(string runId)
    {
        if (!RecordId.IsValid(runId)) return 0;
        using var command = db.DataSource.Command("select coalesce(max(seq), 0) from run_events where run_id = $1", runId);
        return (long)command.ExecuteScalar()!;
    }

    public int Count(string runId)
    {
        if (!RecordId.IsValid(runId)) return 0;
        using var command = db.DataSource.Command("select count(*) from run_events where run_id = $1", runId);
        return (int)(long)command.ExecuteScalar()!;
    }

}
