using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Tests.Checkpoints;
using BiDoRA.Workbench.Services.Models;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Models;

/// <summary>Catalog downloads from a Hugging Face-compatible hub on 127.0.0.1 (serving the tiny model's files).</summary>
public sealed class ModelDownloadTests : IAsyncLifetime
{
    private const string Name = "esm2_t6_8M_UR50D";

    private LocalHub _hub = null!;
    private WorkbenchServer _server = null!;
    private long _bytes;

    public async Task InitializeAsync()
    {
        var tiny = Path.Combine(ModelCatalog.BundledModelsDirectory, "tiny");
        _bytes = Directory.EnumerateFiles(tiny).Sum(f => new FileInfo(f).Length);
        _hub = new LocalHub(tiny, "facebook/" + Name);
        _server = await WorkbenchServer.StartAsync(configuration: new Dictionary<string, string?> { ["Workbench:HubBaseUrl"] = _hub.BaseUrl });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _hub.Dispose();
    }

    private async Task<ModelInfo> GetAsync() => (await _server.Http.GetFromJsonAsync<ModelInfo>($"/api/models/{Name}", WorkbenchClient.Json))!;

    private async Task<ModelInfo> WaitAsync(Func<ModelInfo, bool> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        ModelInfo model;
        while (!condition(model = await GetAsync()))
        {
            await Task.Delay(20, limit.Token);
        }
        return model;
    }

    [Fact]
    public async Task A_download_runs_in_the_background_reports_progress_and_makes_the_model_available()
    {
        var library = _server.Services.GetRequiredService<ModelLibrary>();
        var seen = new ConcurrentQueue<ModelDownloadState>();
        library.DownloadChanged += seen.Enqueue;
        Assert.False((await GetAsync()).Available);
        // Slow enough for progress notifications between start and end (they are throttled to 5 a second).
        _hub.Slow = ("model.safetensors", TimeSpan.FromMilliseconds(60));

        using var response = await _server.Http.PostAsync($"/api/models/{Name}/download", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var started = (await response.Content.ReadFromJsonAsync<ModelInfo>(WorkbenchClient.Json))!;
        Assert.NotNull(started.Download);

        var done = await WaitAsync(m => m.Download?.Status == ModelDownloadStatus.Completed);
        Assert.True(done.Available);
        Assert.Equal((_bytes, _bytes), (done.Download!.BytesReceived, done.Download.BytesTotal));
        Assert.Equal(1.0, done.Download.Fraction);
        Assert.True(File.Exists(Path.Combine(_server.DataDirectory, "models", Name, "model.safetensors")));
        Assert.Equal(ModelDownloadStatus.Running, seen.First().Status);
        Assert.Equal(ModelDownloadStatus.Completed, seen.Last().Status);
        Assert.Contains(seen, s => s.Status == ModelDownloadStatus.Running && s.BytesReceived > 0 && s.BytesPerSecond > 0);

        // Runs can use it now, and asking again changes nothing.
        var run = await _server.CreateRunAsync(_server.AddDataset().Id, new { model = Name });
        Assert.Equal(Name, run.Plan.Model);
        using var again = await _server.Http.PostAsync($"/api/models/{Name}/download", null);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task A_cancelled_download_stops_and_the_next_one_resumes_where_it_stopped()
    {
        _hub.Slow = ("model.safetensors", TimeSpan.FromMilliseconds(150));
        using (var start = await _server.Http.PostAsync($"/api/models/{Name}/download", null)) Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        await WaitAsync(m => m.Download is { File: "model.safetensors", BytesReceived: > 20_000 });

        using var cancel = await _server.Http.PostAsync($"/api/models/{Name}/download/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var cancelled = (await cancel.Content.ReadFromJsonAsync<ModelInfo>(WorkbenchClient.Json))!;
        Assert.Equal(ModelDownloadStatus.Cancelled, cancelled.Download!.Status);
        Assert.False(cancelled.Available);
        Assert.False(Directory.Exists(Path.Combine(_server.DataDirectory, "models", Name)));
        using (var none = await _server.Http.PostAsync($"/api/models/{Name}/download/cancel", null)) Assert.Equal(HttpStatusCode.Conflict, none.StatusCode);

        _hub.Slow = null;
        using (var resume = await _server.Http.PostAsync($"/api/models/{Name}/download", null)) Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        var done = await WaitAsync(m => m.Download?.Status == ModelDownloadStatus.Completed);
        Assert.True(done.Available);
        Assert.Contains(_hub.RangeRequests, r => r.StartsWith("model.safetensors:bytes=", StringComparison.Ordinal));
        var weights = Path.Combine(_server.DataDirectory, "models", Name, "model.safetensors");
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(ModelCatalog.BundledModelsDirectory, "tiny", "model.safetensors")), await File.ReadAllBytesAsync(weights));
    }

    [Fact]
    public async Task A_download_that_fails_verification_says_why()
    {
        _hub.WrongHashFor = "model.safetensors";
        using (var start = await _server.Http.PostAsync($"/api/models/{Name}/download", null)) Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var failed = await WaitAsync(m => m.Download?.Status == ModelDownloadStatus.Failed);
        Assert.False(failed.Available);
        Assert.Contains("model.safetensors: sha256", failed.Download!.Error);
        Assert.Contains("does not match the hub's", failed.Download.Error);
    }

    [Theory]
    [InlineData("tiny", HttpStatusCode.Conflict)]
    [InlineData("esm2_t99_1T", HttpStatusCode.NotFound)]
    public async Task Only_catalog_models_that_are_not_bundled_download(string name, HttpStatusCode status)
    {
        using var response = await _server.Http.PostAsync($"/api/models/{name}/download", null);
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(status, problem.Status);
        Assert.Equal(["name"], problem.Fields);
    }
}
