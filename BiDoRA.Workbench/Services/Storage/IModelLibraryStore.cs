using BiDoRA.Workbench.Services.Models;

namespace BiDoRA.Workbench.Services.Storage;

/// <summary>
/// The records of imported base models and trained models (LiteDB embedded, PostgreSQL in cluster mode); their files
/// are folders under the data (shared) folder, moved into place before the record is added.
/// </summary>
internal interface IModelLibraryStore
{
    /// <summary>Adds the entry; false when one of that kind and name exists (then nothing changes).</summary>
    bool TryAdd(ModelLibraryEntry entry);

    ModelLibraryEntry? Get(ModelEntryKind kind, string name);

    /// <summary>By name (ordinal).</summary>
    IReadOnlyList<ModelLibraryEntry> List(ModelEntryKind kind);

    bool Delete(ModelEntryKind kind, string name);
}
