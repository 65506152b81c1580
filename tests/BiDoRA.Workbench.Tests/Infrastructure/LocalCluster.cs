using System.Net.Http.Json;
using BiDoRA.Workbench.Services.Datasets;

namespace BiDoRA.Workbench.Tests.Infrastructure;

/// <summary>
/// A whole cluster on loopback: a database of its own on the shared PostgreSQL server, a redis-server, a shared
/// folder, web nodes (<c>bidora serve</c> with the cluster keys) and worker processes (<c>bidora worker</c>).
/// Workers notice a dead peer within seconds here (short lease and invisibility timeout).
/// </summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    private readonly List<WorkbenchProcess> _webNodes = [];
    private readonly List<WorkerProcess> _workers = [];

    private LocalCluster(string connectionString, RedisServer redis, string shared)
    {
        ConnectionString = connectionString;
        Redis = redis;
        SharedDirectory = shared;
    }

    public string ConnectionString { get; }

    public RedisServer Redis { get; }

    public string SharedDirectory { get; }

    public IReadOnlyList<WorkbenchProcess> WebNodes => _webNodes;

    public IReadOnlyList<WorkerProcess> Workers => _workers;

    public Dictionary<string, string> Environment => new()
    {
        ["Workbench__Cluster__PostgreSql"] = ConnectionString,
        ["Workbench__Cluster__Redis"] = Redis.Configuration,
        ["Workbench__SharedDirectory"] = SharedDirectory,
        ["Workbench__Cluster__InvisibilityTimeout"] = "00:00:08",
        ["Workbench__Cluster__LeaseDuration"] = "00:00:06",
        ["Workbench__Cluster__QueuePollInterval"] = "00:00:00.500",
    };

    public string Output => string.Join("\n\n", _webNodes.Select((w, i) => $"== web {i} ==\n{Tail(w.Output)}").Concat(_workers.Select(w => $"== {w.Name} ==\n{Tail(w.Output)}")));

    public static async Task<LocalCluster> StartAsync(int webNodes, int workers)
    {
        var shared = Path.Combine(Path.GetTempPath(), "bidora-tests", "cluster-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(shared);
        var cluster = new LocalCluster(PostgresServer.Shared.CreateDatabase(), await RedisServer.StartAsync(), shared);
        try
        {
            // The first web node migrates the schema and adds the samples before anyone else starts.
            for (var i = 0; i < webNodes; i++) cluster._webNodes.Add(await WorkbenchProcess.StartAsync(shared, environment: cluster.Environment));
            await Task.WhenAll(Enumerable.Range(1, workers).Select(async i =>
            {
                var worker = await WorkerProcess.StartAsync($"worker-{i}", shared, cluster.Environment);
                lock (cluster._workers) cluster._workers.Add(worker);
            }));
            cluster._workers.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    public HttpClient Web(int node = 0) => _webNodes[node].Http;

    public async Task<DatasetRecord> BbpAsync()
    {
        var datasets = await Web().GetFromJsonAsync<List<DatasetRecord>>("/api/datasets", WorkbenchClient.Json);
        return datasets!.Single(d => d.Sample == "bbp");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers) await worker.DisposeAsync();
        foreach (var web in _webNodes) await web.DisposeAsync();
        Redis.Dispose();
        try
        {
            Directory.Delete(SharedDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string Tail(string text) => text.Length > 6000 ? text[^6000..] : text;
}
