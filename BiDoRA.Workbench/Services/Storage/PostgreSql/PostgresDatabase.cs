using Npgsql;

namespace BiDoRA.Workbench.Services.Storage.PostgreSql;

/// <summary>
/// The cluster's PostgreSQL database (<c>Workbench:Cluster:PostgreSql</c>), shared by every web node and worker, and
/// by Hangfire. <see cref="Open"/> checks the connection and brings the schema up to date before anything uses it.
/// </summary>
internal sealed class PostgresDatabase : IDisposable
{
    public const string ConfigurationKey = "Workbench:Cluster:PostgreSql";

    // Any fixed number: every node that starts takes it, so two nodes never migrate at once.
    private const long MigrationLock = 0x6269646f7261;

    private PostgresDatabase(NpgsqlDataSource dataSource, string connectionString)
    {
        DataSource = dataSource;
        ConnectionString = connectionString;
    }

    public NpgsqlDataSource DataSource { get; }

    public string ConnectionString { get; }

    /// <exception cref="WorkbenchStartupException">The connection string is malformed, or the server cannot be reached or refuses us; the message names the key.</exception>
    public static PostgresDatabase Open(string connectionString)
    {
        NpgsqlDataSource source;
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            if (builder.Timeout == 15) builder.Timeout = 10;
            source = NpgsqlDataSource.Create(builder);
        }
        catch (ArgumentException e)
        {
            throw new WorkbenchStartupException($"{ConfigurationKey} is not a valid connection string: {e.Message}");
        }
        var database = new PostgresDatabase(source, connectionString);
        try
        {
            database.Migrate();
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or InvalidOperationException)
        {
            source.Dispose();
            var target = new NpgsqlConnectionStringBuilder(connectionString);
            throw new WorkbenchStartupException(
                $"{ConfigurationKey}: cannot use the database '{target.Database}' on {target.Host}:{target.Port} as '{target.Username}': {Plain(e)}");
        }
        return database;
    }

    /// <summary>The schema versions applied so far, oldest first.</summary>
    public IReadOnlyList<int> AppliedVersions()
    {
        using var connection = DataSource.OpenConnection();
        using var command = new NpgsqlCommand("select version from schema_migrations order by version", connection);
        using var reader = command.ExecuteReader();
        var versions = new List<int>();
        while (reader.Read()) versions.Add(reader.GetInt32(0));
        return versions;
    }

    public void Dispose() => DataSource.Dispose();

    private void Migrate()
    {
        using var connection = DataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, $"select pg_advisory_xact_lock({MigrationLock})");
        Execute(connection, transaction, "create table if not exists schema_migrations (version int primary key, name text not null, applied_at timestamptz not null default now())");
        var applied = new HashSet<int>();
        using (var command = new NpgsqlCommand("select version from schema_migrations", connection, transaction))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read()) applied.Add(reader.GetInt32(0));
        }
        foreach (var (version, name, sql) in PostgresMigrations.All.Where(m => !applied.Contains(m.Version)).OrderBy(m => m.Version))
        {
            Execute(connection, transaction, sql);
            using var record = new NpgsqlCommand("insert into schema_migrations (version, name) values ($1, $2)", connection, transaction);
            record.Parameters.Add(new() { Value = version });
            record.Parameters.Add(new() { Value = name });
            record.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }

    private static string Plain(Exception e) => e is PostgresException p ? $"{p.MessageText} ({p.SqlState})" : e.InnerException?.Message ?? e.Message;
}
