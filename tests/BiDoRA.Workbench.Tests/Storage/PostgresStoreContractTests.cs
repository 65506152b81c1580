using BiDoRA.Workbench.Services.Storage.PostgreSql;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Storage;

/// <summary>The contract on PostgreSQL: every <see cref="Open"/> is a data source of its own, as another node's would be.</summary>
[Collection(nameof(PostgresCollection))]
public sealed class PostgresStoreContractTests : StoreContractTests
{
    private readonly string _connectionString = PostgresServer.Shared.CreateDatabase();
    private readonly List<PostgresDatabase> _opened = [];

    internal override Stores Open()
    {
        var db = PostgresDatabase.Open(_connectionString);
        _opened.Add(db);
        return new(new PostgresDatasetStore(db, Paths), new PostgresRunStore(db), new PostgresRunEventStore(db), new PostgresSweepStore(db), db);
    }

    public override void Dispose()
    {
        foreach (var db in _opened) db.Dispose();
        base.Dispose();
    }
}
