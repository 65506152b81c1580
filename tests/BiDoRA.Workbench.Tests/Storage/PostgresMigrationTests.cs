using BiDoRA.Workbench.Services.Storage.PostgreSql;
using BiDoRA.Workbench.Tests.Infrastructure;
using Npgsql;

namespace BiDoRA.Workbench.Tests.Storage;

[Collection(nameof(PostgresCollection))]
public sealed class PostgresMigrationTests
{
    [Fact]
    public async Task Nodes_starting_together_apply_every_migration_once()
    {
        var connectionString = PostgresServer.Shared.CreateDatabase();
        var opened = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => PostgresDatabase.Open(connectionString))));
        try
        {
            var expected = PostgresMigrations.All.Select(m => m.Version).Order().ToList();
            Assert.Equal(expected, opened[0].AppliedVersions());
            using var again = PostgresDatabase.Open(connectionString);
            Assert.Equal(expected, again.AppliedVersions());
        }
        finally
        {
            foreach (var db in opened) db.Dispose();
        }
    }

    [Fact]
    public void A_database_that_has_only_the_first_migration_gets_the_rest_and_keeps_its_rows()
    {
        var connectionString = PostgresServer.Shared.CreateDatabase();
        using (var connection = new NpgsqlConnection(connectionString))
        {
            connection.Open();
            var first = PostgresMigrations.All[0];
            using var create = new NpgsqlCommand($"""
                create table schema_migrations (version int primary key, name text not null, applied_at timestamptz not null default now());
                {first.Sql}
                insert into schema_migrations (version, name) values ({first.Version}, '{first.Name}');
                insert into sweeps (id, created_at, json) values ('s1', now(), '{"{"}"id":"s1","name":"kept"{"}"}');
                """, connection);
            create.ExecuteNonQuery();
        }
        using var db = PostgresDatabase.Open(connectionString);
        Assert.Equal(PostgresMigrations.All.Select(m => m.Version).Order(), db.AppliedVersions());
        Assert.Equal("kept", new PostgresSweepStore(db).Get("s1")!.Name);
    }

    [Fact]
    public void An_unreachable_or_malformed_database_is_a_start_up_error_that_names_the_key()
    {
        var closed = LocalProcess.FreePort();
        var unreachable = Assert.Throws<WorkbenchStartupException>(() => PostgresDatabase.Open($"Host=127.0.0.1;Port={closed};Username=postgres;Database=nowhere;Timeout=3"));
        Assert.StartsWith("Workbench:Cluster:PostgreSql: cannot use the database 'nowhere' on 127.0.0.1:" + closed, unreachable.Message);

        var missing = Assert.Throws<WorkbenchStartupException>(() => PostgresDatabase.Open($"Host=127.0.0.1;Port={PostgresServer.Shared.Port};Username=postgres;Database=does_not_exist"));
        Assert.Contains("Workbench:Cluster:PostgreSql", missing.Message);
        Assert.Contains("does_not_exist", missing.Message);

        var malformed = Assert.Throws<WorkbenchStartupException>(() => PostgresDatabase.Open("Host=127.0.0.1;NoSuchKeyword=1"));
        Assert.StartsWith("Workbench:Cluster:PostgreSql is not a valid connection string", malformed.Message);
    }
}
