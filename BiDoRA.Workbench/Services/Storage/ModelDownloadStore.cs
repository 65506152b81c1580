using System.Collections.Concurrent;
using BiDoRA.Workbench.Services.Models;
using LiteDB;
using JsonSerializer = System.Text.Json.JsonSerializer;

namespace BiDoRA.Workbench.Services.Storage;

/// <summary>
/// Downloads in the process's LiteDB file. Only this process uses the file, so a running download whose holder did
/// not begin in this process was cut off when an earlier one stopped: it is stale at once, not after a timeout.
/// </summary>
internal sealed class ModelDownloadStore(WorkbenchDatabase db) : IModelDownloadStore
{
    private readonly ILiteCollection<BsonDocument> _downloads = db.Collection("model_downloads");
    private readonly ConcurrentDictionary<string, byte> _holders = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public ModelDownloadRecord? Get(string name)
    {
        var doc = _downloads.FindById(Key(name));
        return doc is null ? null : FromDocument(doc);
    }

    public bool TryBegin(ModelDownloadState state, string holder)
    {
        lock (_gate)
        {
            if (Get(state.Name) is { State.Status: ModelDownloadStatus.Running, Stale: false } current && current.Holder != holder) return false;
            _holders[holder] = 0;
            _downloads.Upsert(ToDocument(state, holder, cancel: false));
            return true;
        }
    }

    public bool Save(ModelDownloadState state, string holder)
    {
        lock (_gate)
        {
            var current = Get(state.Name);
            if (current is not null && current.Holder != holder) return false;
            _downloads.Upsert(ToDocument(state, holder, current?.CancelRequested ?? false));
            return true;
        }
    }

    public bool RequestCancel(string name)
    {
        lock (_gate)
        {
            if (Get(name) is not { State.Status: ModelDownloadStatus.Running, Stale: false } current) return false;
            _downloads.Upsert(ToDocument(current.State, current.Holder, cancel: true));
            return true;
        }
    }

    private static string Key(string name) => name.ToLowerInvariant();

    private static BsonDocument ToDocument(ModelDownloadState state, string holder, bool cancel) => new()
    {
        ["_id"] = Key(state.Name),
        ["holder"] = holder,
        ["cancel"] = cancel,
        ["json"] = JsonSerializer.Serialize(state, WorkbenchJson.Options),
    };

    private ModelDownloadRecord FromDocument(BsonDocument doc)
    {
        var state = JsonSerializer.Deserialize<ModelDownloadState>(doc["json"].AsString, WorkbenchJson.Options)
                    ?? throw new InvalidDataException($"Download document '{doc["_id"].AsString}' is empty.");
        var holder = doc["holder"].AsString;
        return new ModelDownloadRecord(state, holder, doc["cancel"].AsBoolean,
            Stale: state.Status == ModelDownloadStatus.Running && !_holders.ContainsKey(holder));
    }
}
