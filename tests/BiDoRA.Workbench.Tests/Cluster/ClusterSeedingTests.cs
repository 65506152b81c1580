using BiDoRA.Engine.Data;
using BiDoRA.Workbench.Services.Datasets;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Cluster;

/// <summary>Web nodes of a new cluster started at the same instant on one database and one shared folder.</summary>
[Collection(nameof(PostgresCollection))]
public sealed class ClusterSeedingTests
{
    [Fact]
    public async Task Two_web_nodes_starting_together_add_exactly_one_copy_of_each_sample()
    {
        using var redis = await RedisServer.StartAsync();
        var shared = Path.Combine(Path.GetTempPath(), "bidora-tests", Guid.NewGuid().ToString("N"));
        var configuration = new Dictionary<string, string?>
        {
            ["Workbench:Cluster:PostgreSql"] = PostgresServer.Shared.CreateDatabase(),
            ["Workbench:Cluster:Redis"] = redis.Configuration,
            ["Workbench:SeedSamples"] = "true",
        };
        var nodes = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => WorkbenchServer.StartAsync(shared, configuration: configuration))));
        try
        {
            foreach (var node in nodes)
            {
                var datasets = node.Services.GetRequiredService<DatasetService>().List();
                Assert.Equal(SampleDatasets.All.Select(s => s.Name).Order(), datasets.Select(d => d.Sample!).Order());
                Assert.Equal(3, Directory.GetFiles(Path.Combine(shared, "datasets"), "*.csv").Length);
            }
            // A third node, later, finds them seeded and adds nothing.
            await using var later = await WorkbenchServer.StartAsync(shared, configuration: configuration);
            later.KeepData = true;
            Assert.Equal(3, later.Services.GetRequiredService<DatasetService>().List().Count);
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.KeepData = true;
                await node.DisposeAsync();
            }
            Directory.Delete(shared, recursive: true);
        }
    }

    [Fact]
    public async Task Nodes_seeding_at_the_same_instant_add_each_sample_once_between_them()
    {
        using var redis = await RedisServer.StartAsync();
        var shared = Path.Combine(Path.GetTempPath(), "bidora-tests", Guid.NewGuid().ToString("N"));
        var configuration = new Dictionary<string, string?>
        {
            ["Workbench:Cluster:PostgreSql"] = PostgresServer.Shared.CreateDatabase(),
            ["Workbench:Cluster:Redis"] = redis.Configuration,
        };
        await using var a = await WorkbenchServer.StartAsync(shared, configuration: configuration);
        await using var b = await WorkbenchServer.StartAsync(shared, configuration: configuration);
        a.KeepData = true;
        // Both nodes' first start, lined up to the same instant (a start-up alone lines them up only by chance).
        var services = new[] { a, b, a, b }.Select(n => n.Services.GetRequiredService<DatasetService>()).ToList();
        using var start = new Barrier(services.Count);
        var seeded = await Task.WhenAll(services.Select(service => Task.Run(async () =>
        {
            start.SignalAndWait();
            return await service.SeedSamplesAsync();
        })));
        Assert.Equal(3, seeded.Sum(added => added.Count));
        Assert.Single(seeded, added => added.Count > 0);
        Assert.Equal(SampleDatasets.All.Select(s => s.Name).Order(), b.Services.GetRequiredService<DatasetService>().List().Select(d => d.Sample!).Order());
    }
}
