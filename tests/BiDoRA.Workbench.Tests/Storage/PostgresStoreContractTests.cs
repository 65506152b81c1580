using BiDoRA.Workbench.Services.Storage.PostgreSql;
using BiDoRA.Workbench.Tests.Infrastructure;
using Npgsql;

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
        return new(new PostgresDatasetStore(db, Paths), new PostgresRunStore(db), new PostgresRunEventStore(db), new PostgresSweepStore(db),
            new PostgresModelLibraryStore(db), new PostgresModelDownloadStore(db), db);
    }

    /// <summary>The holder's last report, as far back as a dead node's would be after the stale time.</summary>
    internal override Stores AfterHolderDied(string downloadName)
    {
        var stores = Open();
        using var connection = new NpgsqlConnection(_connectionString);
        connection.Open();
        using var command = new NpgsqlCommand("update model_downloads set updated_at = now() - interval '1 minute' where name = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = downloadName.ToLowerInvariant() });
        Assert.Equal(1, command.ExecuteNonQuery());
        return stores;
    }

    public override void Dispose()
    {
        foreach (var db in _opened) db.Dispose();
        base.Dispose();
    }
}
