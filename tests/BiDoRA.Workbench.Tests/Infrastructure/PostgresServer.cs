using Npgsql;

namespace BiDoRA.Workbench.Tests.Infrastructure;

/// <summary>
/// Debian's PostgreSQL, started once for the test assembly (<see cref="Shared"/>) in a temporary folder on a free
/// loopback port, and stopped when the test process ends. Tests run as root in CI and PostgreSQL refuses root, so
/// initdb and pg_ctl run as the unprivileged 'postgres' user through runuser. Each test takes a database of its own.
/// </summary>
internal sealed class PostgresServer
{
    private static readonly Lazy<PostgresServer> Instance = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    private PostgresServer(string bin, string folder, int port)
    {
        Bin = bin;
        Folder = folder;
        Port = port;
    }

    public static PostgresServer Shared => Instance.Value;

    public string Bin { get; }

    public string Folder { get; }

    public int Port { get; }

    private string DataFolder => Path.Combine(Folder, "data");

    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false";

    /// <summary>A new, empty database; its connection string.</summary>
    public string CreateDatabase()
    {
        var name = "t_" + Guid.NewGuid().ToString("N")[..16];
        using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"create database {name}", connection);
            command.ExecuteNonQuery();
        }
        return $"Host=127.0.0.1;Port={Port};Username=postgres;Database={name}";
    }

    /// <summary>Stops the server (fast: open connections are cut, as when a database server goes down).</summary>
    public void Stop() => AsPostgres(Path.Combine(Bin, "pg_ctl"), "-D", DataFolder, "-m", "fast", "-w", "stop");

    public void StartAgain() => PgCtlStart();

    private static PostgresServer Start()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().FirstOrDefault()
            : null;
        if (bin is null) throw new InvalidOperationException("PostgreSQL is not installed: apt-get install postgresql (.ci/run does).");
        var folder = Path.Combine(Path.GetTempPath(), "bidora-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        LocalProcess.Run("chown", "postgres:postgres", folder);
        var server = new PostgresServer(bin, folder, LocalProcess.FreePort());
        AsPostgres(Path.Combine(bin, "initdb"), "-D", server.DataFolder, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8");
        server.PgCtlStart();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                server.Stop();
            }
            catch (InvalidOperationException)
            {
                // Already stopped by a test.
            }
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return server;
    }

    private void PgCtlStart() =>
        AsPostgres(Path.Combine(Bin, "pg_ctl"), "-D", DataFolder, "-l", Path.Combine(Folder, "log.txt"), "-w", "-t", "60",
            "-o", $"-p {Port} -k {Folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300", "start");

    private static void AsPostgres(string file, params string[] arguments) =>
        LocalProcess.Run(Environment.UserName == "root" ? "runuser" : file,
            Environment.UserName == "root" ? ["-u", "postgres", "--", file, .. arguments] : arguments);
}
