using BiDoRA.Workbench.Services.Storage;
using LiteDB;
using Microsoft.Extensions.Options;

namespace BiDoRA.Workbench.Tests.Storage;

public sealed class WorkbenchDatabaseTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "bidora-tests", "db-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Reading_a_collection_while_its_first_document_is_written_keeps_the_database_open()
    {
        // litedb-org/LiteDB#2792: a read racing the transaction that creates a collection closes the database.
        var paths = new WorkbenchPaths(Options.Create(new WorkbenchOptions { DataDirectory = _directory }));
        using var db = new WorkbenchDatabase(paths);
        for (var round = 0; round < 10; round++)
        {
            var name = $"fresh{round}";
            using var stop = new CancellationTokenSource();
            var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
            {
                while (!stop.IsCancellationRequested) _ = db.Collection(name).Count();
            })).ToList();
            await Task.Run(() => db.Collection(name).Insert(new BsonDocument { ["_id"] = "first" }));
            await stop.CancelAsync();
            await Task.WhenAll(readers);
            Assert.Equal(1, db.Collection(name).Count());
        }
    }
}
