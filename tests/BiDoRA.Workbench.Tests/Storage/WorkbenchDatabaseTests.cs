using BiDoRA.Workbench.Services.Datasets;
using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Services.Sweeps;
using BiDoRA.Workbench.Tests.Infrastructure;
using LiteDB;

namespace BiDoRA.Workbench.Tests.Storage;

public sealed class WorkbenchDatabaseTests
{
    [Fact]
    public async Task Every_collection_exists_and_is_empty_before_the_first_write()
    {
        // A collection LiteDB creates during a write can break a reader that opens it at that moment
        // (litedb-org/LiteDB#2792), so the stores create theirs when the workbench starts.
        var server = await WorkbenchServer.StartAsync();
        server.Services.GetRequiredService<DatasetStore>();
        server.Services.GetRequiredService<RunEventStore>();
        server.Services.GetRequiredService<RunStore>();
        server.Services.GetRequiredService<SweepStore>();
        server.Services.GetRequiredService<DatasetService>();
        server.KeepData = true;
        await server.DisposeAsync();
        try
        {
            using var db = new LiteDatabase(new ConnectionString { Filename = Path.Combine(server.DataDirectory, "workbench.db"), ReadOnly = true });
            Assert.Equal(["datasets", "events", "meta", "runs", "sweeps"], db.GetCollectionNames().Order().ToArray());
            Assert.All(db.GetCollectionNames(), name => Assert.Equal(0, db.GetCollection(name).Count()));
        }
        finally
        {
            Directory.Delete(server.DataDirectory, recursive: true);
        }
    }
}
