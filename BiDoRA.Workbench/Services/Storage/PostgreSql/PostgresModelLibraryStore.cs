using System.Text.Json;
using BiDoRA.Workbench.Services.Models;

namespace BiDoRA.Workbench.Services.Storage.PostgreSql;

/// <summary>Model library records in PostgreSQL; (kind, name) is the primary key, so of two nodes adding one name, one wins.</summary>
internal sealed class PostgresModelLibraryStore(PostgresDatabase db) : IModelLibraryStore
{
    public bool TryAdd(ModelLibraryEntry entry) =>
        db.DataSource.Execute("insert into model_library (kind, name, added_at, json) values ($1, $2, $3, $4) on conflict (kind, name) do nothing",
            entry.Kind.ToString(), entry.Name, PostgresCommands.Utc(entry.AddedAt), JsonSerializer.Serialize(entry, WorkbenchJson.Options)) == 1;

    public ModelLibraryEntry? Get(ModelEntryKind kind, string name) =>
        db.DataSource.Command("select json from model_library where kind = $1 and name = $2", kind.ToString(), name).Query(r => Read(r.GetString(0))).SingleOrDefault();

    public IReadOnlyList<ModelLibraryEntry> List(ModelEntryKind kind) =>
        db.DataSource.Command("select json from model_library where kind = $1 order by name collate \"C\"", kind.ToString()).Query(r => Read(r.GetString(0)));

    public bool Delete(ModelEntryKind kind, string name) =>
        db.DataSource.Execute("delete from model_library where kind = $1 and name = $2", kind.ToString(), name) == 1;

    private static ModelLibraryEntry Read(string json) =>
        JsonSerializer.Deserialize<ModelLibraryEntry>(json, WorkbenchJson.Options) ?? throw new InvalidDataException("A model library row is empty.");
}
