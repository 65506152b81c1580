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

    public ILiteCollection<BsonDocument> Collection(string name) => _db.GetCollection(name);

    public void Dispose()
    {
        // Fold the write-ahead log into the data file so a clean stop leaves a single, self-contained file.
        _db.Checkpoint();
        _db.Dispose();
    }
}
