using System.Net;
using System.Net.Http.Json;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Tests.Checkpoints;
using BiDoRA.Workbench.Services.Models;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Cluster;

/// <summary>Two web nodes on one database and one shared folder: one model library, one download at a time.</summary>
[Collection(nameof(PostgresCollection))]
public sealed class ClusterModelsTests : IAsyncLifetime
{
    private const string Name = "esm2_t6_8M_UR50D";

    private readonly string _shared = Path.Combine(Path.GetTempPath(), "bidora-tests", Guid.NewGuid().ToString("N"));
    private RedisServer _redis = null!;
    private LocalHub _hub = null!;
    private WorkbenchServer _a = null!;
    private WorkbenchServer _b = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _hub = new LocalHub(Path.Combine(ModelCatalog.BundledModelsDirectory, "tiny"), "facebook/" + Name);
        var configuration = new Dictionary<string, string?>
        {
            ["Workbench:Cluster:PostgreSql"] = PostgresServer.Shared.CreateDatabase(),
            ["Workbench:Cluster:Redis"] = _redis.Configuration,
            ["Workbench:HubBaseUrl"] = _hub.BaseUrl,
        };
        _a = await WorkbenchServer.StartAsync(_shared, configuration: configuration);
        _b = await WorkbenchServer.StartAsync(_shared, configuration: configuration);
        _a.KeepData = true;
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        _hub.Dispose();
        _redis.Dispose();
    }

    [Fact]
    public async Task A_download_started_on_one_node_shows_on_the_other_runs_once_and_stops_when_the_other_cancels_it()
    {
        // Slow enough (12 s in all) that the other node's cancel, seen within a report interval, lands mid-download.
        _hub.Slow = ("model.safetensors", TimeSpan.FromMilliseconds(1000));
        using (var start = await _a.Http.PostAsync($"/api/models/{Name}/download", null)) Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var seenOnB = await WaitAsync(_b, m => m.Download is { Status: ModelDownloadStatus.Running, BytesReceived: > 20_000 });
        Assert.False(seenOnB.Available);

        // Asked on the other node while it runs: that node shows the running download and starts none of its own.
        using (var again = await _b.Http.PostAsync($"/api/models/{Name}/download", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
            var shown = (await again.Content.ReadFromJsonAsync<ModelInfo>(WorkbenchClient.Json))!.Download!;
            Assert.Equal(ModelDownloadStatus.Running, shown.Status);
            Assert.True(shown.BytesReceived > 20_000, $"node B shows {shown.BytesReceived} bytes: a download of its own, not node A's");
        }

        using (var cancel = await _b.Http.PostAsync($"/api/models/{Name}/download/cancel", null)) Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var cancelled = await WaitAsync(_a, m => m.Download?.Status == ModelDownloadStatus.Cancelled);
        Assert.False(cancelled.Available);
        Assert.Equal(ModelDownloadStatus.Cancelled, (await WaitAsync(_b, m => m.Download?.Status == ModelDownloadStatus.Cancelled)).Download!.Status);

        // The other node now takes it, resumes from what the first left in the shared folder, and both see the model.
        _hub.Slow = null;
        using (var resume = await _b.Http.PostAsync($"/api/models/{Name}/download", null)) Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        Assert.True((await WaitAsync(_b, m => m.Download?.Status == ModelDownloadStatus.Completed)).Available);
        Assert.True((await WaitAsync(_a, m => m.Available)).Available);
        Assert.Contains(_hub.RangeRequests, r => r.StartsWith("model.safetensors:bytes=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_model_imported_on_one_node_is_in_the_library_of_the_other_and_its_name_is_taken_there()
    {
        var source = Path.Combine(_shared, "..", Guid.NewGuid().ToString("N"), "my-esm");
        Directory.CreateDirectory(source);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(ModelCatalog.BundledModelsDirectory, "tiny"))) File.Copy(file, Path.Combine(source, Path.GetFileName(file)));
        try
        {
            using (var import = await _a.Http.PostAsJsonAsync("/api/models/import", new { path = Path.GetFullPath(source) }))
            {
                Assert.True(import.IsSuccessStatusCode, await import.Content.ReadAsStringAsync());
            }
            var listed = await _b.Http.GetFromJsonAsync<List<ModelInfo>>("/api/models", WorkbenchClient.Json);
            Assert.Contains(listed!, m => m is { Name: "my-esm", Imported: true, Available: true });
            Assert.Equal(Path.GetFullPath(source), _b.Services.GetRequiredService<Services.Storage.IModelLibraryStore>().Get(ModelEntryKind.Base, "my-esm")!.Source);
            using var twice = await _b.Http.PostAsJsonAsync("/api/models/import", new { path = Path.GetFullPath(source) });
            Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(source)!, recursive: true);
        }
    }

    private static async Task<ModelInfo> WaitAsync(WorkbenchServer node, Func<ModelInfo, bool> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        ModelInfo model;
        while (!condition(model = (await node.Http.GetFromJsonAsync<ModelInfo>($"/api/models/{Name}", WorkbenchClient.Json))!))
        {
            await Task.Delay(50, limit.Token);
        }
        return model;
    }
}
