using System.Text.Json;
using BiDoRA.Workbench.Services.Models;

namespace BiDoRA.Workbench.Services.Storage.PostgreSql;

/// <summary>
/// Downloads in PostgreSQL. The holder reports every second (<see cref="ModelDownloadRecord.ReportInterval"/>); a
/// running download not heard of for <see cref="ModelDownloadRecord.StaleAfter"/> (its node died) may be taken over.
/// Times are the server's, so nodes' clocks need not agree.
/// </summary>
internal sealed class PostgresModelDownloadStore(PostgresDatabase db) : IModelDownloadStore
{
    private const string Running = nameof(ModelDownloadStatus.Running);

    public ModelDownloadRecord? Get(string name) =>
        db.DataSource.Command("""
                select json, holder, cancel_requested, status = $2 and updated_at < now() - $3::interval
                from model_downloads where name = $1
                """, Key(name), Running, ModelDownloadRecord.StaleAfter)
            .Query(r => new ModelDownloadRecord(Read(r.GetString(0)), r.GetString(1), r.GetBoolean(2), r.GetBoolean(3)))
            .SingleOrDefault();

    public bool TryBegin(ModelDownloadState state, string holder) =>
        db.DataSource.Execute("""
            insert into model_downloads (name, holder, status, updated_at, cancel_requested, json) values ($1, $2, $3, now(), false, $4)
            on conflict (name) do update set holder = excluded.holder, status = excluded.status, updated_at = now(), cancel_requested = false, json = excluded.json
            where model_downloads.status <> $3 or model_downloads.holder = excluded.holder or model_downloads.updated_at < now() - $5::interval
            """, Key(state.Name), holder, Running, Json(state), ModelDownloadRecord.StaleAfter) == 1;

    public bool Save(ModelDownloadState state, string holder) =>
        db.DataSource.Execute("update model_downloads set status = $3, updated_at = now(), json = $4 where name = $1 and holder = $2",
            Key(state.Name), holder, state.Status.ToString(), Json(state)) == 1;

    public bool RequestCancel(string name) =>
        db.DataSource.Execute("update model_downloads set cancel_requested = true where name = $1 and status = $2 and updated_at >= now() - $3::interval",
            Key(name), Running, ModelDownloadRecord.StaleAfter) == 1;

    private static string Key(string name) => name.ToLowerInvariant();

    private static string Json(ModelDownloadState state) => JsonSerializer.Serialize(state, WorkbenchJson.Options);

    private static ModelDownloadState Read(string json) =>
        JsonSerializer.Deserialize<ModelDownloadState>(json, WorkbenchJson.Options) ?? throw new InvalidDataException("A download row is empty.");
}
