using BiDoRA.Workbench.Services.Models;
using LiteDB;
using JsonSerializer = System.Text.Json.JsonSerializer;

namespace BiDoRA.Workbench.Services.Storage;

/// <summary>Model library records in LiteDB, keyed "&lt;kind&gt;/&lt;name&gt;".</summary>
internal sealed class ModelLibraryStore(WorkbenchDatabase db) : IModelLibraryStore
{
    private readonly ILiteCollection<BsonDocument> _models = db.Collection("model_library");

    public bool TryAdd(ModelLibraryEntry entry)
    {
        try
        {
            _models.Insert(new BsonDocument
            {
                ["_id"] = Key(entry.Kind, entry.Name),
                ["kind"] = entry.Kind.ToString(),
                ["json"] = JsonSerializer.Serialize(entry, WorkbenchJson.Options),
            });
            return true;
        }
        catch (LiteException e) when (e.ErrorCode == LiteException.INDEX_DUPLICATE_KEY)
        {
            return false;
        }
    }

    public ModelLibraryEntry? Get(ModelEntryKind kind, string name)
    {
        var doc = _models.FindById(Key(kind, name));
        return doc is null ? null : FromDocument(doc);
    }

    public IReadOnlyList<ModelLibraryEntry> List(ModelEntryKind kind) =>
        _models.Find(Query.StartsWith("_id", kind + "/")).Select(FromDocument).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();

    public bool Delete(ModelEntryKind kind, string name) => _models.Delete(Key(kind, name));

    private static string Key(ModelEntryKind kind, string name) => $"{kind}/{name}";

    private static ModelLibraryEntry FromDocument(BsonDocument doc) =>
        JsonSerializer.Deserialize<ModelLibraryEntry>(doc["json"].AsString, WorkbenchJson.Options)
        ?? throw new InvalidDataException($"Model document '{doc["_id"].AsString}' is empty.");
}
