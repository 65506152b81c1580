using System.Globalization;
using LiteDB;

namespace BiDoRA.Workbench.Services.Storage;

/// <summary>
/// The one <see cref="LiteDatabase"/> of the process. LiteDB wants exactly one instance per file
/// (litedb-org/LiteDB#1110, #2140): several instances or open-per-call end in locking errors or corruption (#809).
/// </summary>
internal sealed class WorkbenchDatabase : IDisposable
{
    private readonly LiteDatabase _db;
    private readonly HashSet<string> _ensured = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();

    public WorkbenchDatabase(WorkbenchPaths paths)
    {
        paths.EnsureCreated();
        _db = new LiteDatabase(new ConnectionString
        {
            Filename = paths.DatabaseFile,
            Connection = ConnectionType.Direct,
            // Keys such as "<run>/<sequence>" must sort ordinally for range scans; applies when the file is created.
            Collation = new Collation(CultureInfo.InvariantCulture.LCID, CompareOptions.Ordinal),
        });
    }

    /// <summary>
    /// The collection, created on the first call if the file lacks it. LiteDB fails ("page type must be collection
    /// page") and closes the whole database when a collection is read while another transaction creates it
    /// (litedb-org/LiteDB#2792); stores ask for their collections in their constructors, so creating it here, once and
    /// under a lock, puts the creation before any read.
    /// </summary>
    public ILiteCollection<BsonDocument> Collection(string name)
    {
        lock (_gate)
        {
            if (_ensured.Add(name) && !_db.CollectionExists(name))
            {
                var created = _db.GetCollection(name);
                created.Insert(new BsonDocument { ["_id"] = "$create" });
                created.Delete("$create");
            }
        }
        return _db.GetCollection(name);
    }

    public void Dispose()
    {
        // Fold the write-ahead log into the data file so a clean stop leaves a single, self-contained file.
        _db.Checkpoint();
        _db.Dispose();
    }
}
