using BiDoRA.Engine.Checkpoints;

namespace BiDoRA.Engine.Tests.Checkpoints;

/// <summary>Downloads from a real HTTP server on 127.0.0.1 that serves the fixture checkpoint.</summary>
public sealed class HubDownloaderTests : IDisposable
{
    private const string Repo = "facebook/esm2_tiny";
    private static readonly string Source = Path.Combine(TestPaths.Fixtures, "esm2-tiny-a", "model");
    private readonly string _models = Path.Combine(Path.GetTempPath(), "bidora-hub", Guid.NewGuid().ToString("N"));
    private readonly LocalHub _hub = new(Source, Repo);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private HubDownloader Downloader() => new(_http, new HubOptions { BaseUrl = _hub.BaseUrl, RetryDelay = TimeSpan.FromMilliseconds(10) });

    [Fact]
    public async Task Downloads_the_model_byte_for_byte_with_monotonic_progress()
    {
        var reports = new List<DownloadProgress>();
        var folder = await Downloader().DownloadAsync(Repo, _models, "tiny-hub", new Inline(reports));
        Assert.Equal(Path.Combine(_models, "tiny-hub"), folder);
        foreach (var file in Directory.GetFiles(Source))
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(folder, Path.GetFileName(file))));
        Assert.False(Directory.Exists(Path.Combine(_models, ".staging", "tiny-hub")));
        Assert.Equal(reports.Select(r => r.Bytes).Order(), reports.Select(r => r.Bytes));
        Assert.Equal(1.0, reports[^1].Fraction);
        Assert.Equal(folder, ModelResolver.Resolve(folder, _models));
        using var opened = HuggingFaceModelFolder.Open(folder);
        Assert.Equal(2, opened.Config.NumHiddenLayers);
    }

    [Fact]
    public async Task A_connection_dropped_mid_file_is_resumed_with_a_range_request()
    {
        _hub.DropMidFile = ("model.safetensors", 1);
        var folder = await Downloader().DownloadAsync(Repo, _models, "tiny-hub");
        Assert.Equal(File.ReadAllBytes(Path.Combine(Source, "model.safetensors")), File.ReadAllBytes(Path.Combine(folder, "model.safetensors")));
        var half = new FileInfo(Path.Combine(Source, "model.safetensors")).Length / 2;
        Assert.Contains($"model.safetensors:bytes={half}-", _hub.RangeRequests);
    }

    [Fact]
    public async Task A_hash_mismatch_fails_naming_the_file_and_leaves_no_model()
    {
        _hub.WrongHashFor = "model.safetensors";
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => Downloader().DownloadAsync(Repo, _models, "tiny-hub"));
        Assert.Contains("model.safetensors", e.Message);
        Assert.Contains(new string('0', 64), e.Message);
        Assert.False(Directory.Exists(Path.Combine(_models, "tiny-hub")));
    }

    [Fact]
    public async Task Cancellation_keeps_the_partial_and_a_second_call_resumes()
    {
        _hub.Slow = ("model.safetensors", TimeSpan.FromMilliseconds(40));
        using var cts = new CancellationTokenSource();
        var progress = new Inline([], r => { if (r.File == "model.safetensors" && r.FileBytes > 16 * 1024) cts.Cancel(); });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Downloader().DownloadAsync(Repo, _models, "tiny-hub", progress, cts.Token));
        Assert.False(Directory.Exists(Path.Combine(_models, "tiny-hub")));
        var partial = Path.Combine(_models, ".staging", "tiny-hub", "model.safetensors.partial");
        Assert.True(File.Exists(partial) && new FileInfo(partial).Length > 0);

        _hub.Slow = null;
        var folder = await Downloader().DownloadAsync(Repo, _models, "tiny-hub");
        Assert.Equal(File.ReadAllBytes(Path.Combine(Source, "model.safetensors")), File.ReadAllBytes(Path.Combine(folder, "model.safetensors")));
        Assert.Contains(_hub.RangeRequests, r => r.StartsWith("model.safetensors:bytes=", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("")]
    public async Task Unsafe_local_names_are_refused(string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Downloader().DownloadAsync(Repo, _models, name));
    }

    public void Dispose()
    {
        _hub.Dispose();
        _http.Dispose();
        if (Directory.Exists(_models)) Directory.Delete(_models, recursive: true);
    }

    private sealed class Inline(List<DownloadProgress> sink, Action<DownloadProgress>? also = null) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value)
        {
            lock (sink) sink.Add(value);
            also?.Invoke(value);
        }
    }
}
