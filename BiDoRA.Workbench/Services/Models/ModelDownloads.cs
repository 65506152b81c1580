using System.Collections.Concurrent;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Workbench.Services.Storage;
using Microsoft.Extensions.Options;

namespace BiDoRA.Workbench.Services.Models;

/// <summary>
/// Catalog models downloading in the background through the engine's <see cref="HubDownloader"/> into the models
/// folder: one download per model at a time, progress as <see cref="ModelDownloadState"/>, cancellable. A cancelled
/// or failed download leaves its verified files in the staging folder, and the next start resumes from them. The
/// state lives in <see cref="IModelDownloadStore"/>, so in a cluster every web node shows the same download, only one
/// node downloads a model into the shared folder at a time, and a cancel on any node stops it where it runs.
/// </summary>
internal sealed class ModelDownloads : IDisposable
{
    /// <summary>Progress notifications at most this often per download (status changes always go out).</summary>
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(200);

    private readonly WorkbenchPaths _paths;
    private readonly IModelDownloadStore _store;
    private readonly string _holder = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly HubDownloader _downloader;
    private readonly HttpClient _http;
    private readonly string _hub;
    private readonly ILogger<ModelDownloads> _logger;
    private readonly ConcurrentDictionary<string, Job> _jobs = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stopping = new();

    private sealed class Job(CancellationTokenSource cancel)
    {
        public CancellationTokenSource Cancel { get; } = cancel;
        public volatile ModelDownloadState State = null!;
        public Task Completion = Task.CompletedTask;
        public DateTimeOffset LastNotified;
        public DateTimeOffset LastStored;
    }

    public ModelDownloads(WorkbenchPaths paths, IModelDownloadStore store, IOptions<WorkbenchOptions> options, ILogger<ModelDownloads> logger, ILogger<HubDownloader> hubLogger)
    {
        _paths = paths;
        _store = store;
        _logger = logger;
        _hub = string.IsNullOrWhiteSpace(options.Value.HubBaseUrl) ? new HubOptions().BaseUrl : options.Value.HubBaseUrl.TrimEnd('/');
        // No overall timeout: a 3B model takes long. A dead hub is noticed when connecting or by the retries.
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(30) }) { Timeout = Timeout.InfiniteTimeSpan };
        _downloader = new HubDownloader(_http, new HubOptions { BaseUrl = _hub }, hubLogger);
    }

    /// <summary>Any download's state changed; raised on a background thread.</summary>
    public event Action<ModelDownloadState>? Changed;

    /// <summary>This node's download, else what the store says of another node's (or of one an earlier process left).</summary>
    public ModelDownloadState? State(string name)
    {
        if (_jobs.TryGetValue(name, out var job) && job.State.Status == ModelDownloadStatus.Running) return job.State;
        if (_store.Get(name) is not { } stored) return job?.State;
        return stored.Stale
            ? stored.State with { Status = ModelDownloadStatus.Failed, BytesPerSecond = 0, Error = "The download stopped when the workbench that ran it did; start it again to resume where it stopped." }
            : stored.State;
    }

    /// <summary>Starts downloading <paramref name="entry"/> unless it is already downloading; returns its state.</summary>
    public ModelDownloadState Start(ModelCatalogEntry entry)
    {
        if (entry.HubId is null) throw new InvalidOperationException($"'{entry.Name}' ships with the workbench; there is nothing to download.");
        while (true)
        {
            if (_jobs.TryGetValue(entry.Name, out var existing) && existing.State.Status == ModelDownloadStatus.Running) return existing.State;
            var job = new Job(CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
            {
                State = new ModelDownloadState(entry.Name, ModelDownloadStatus.Running, 0, null, null, DateTimeOffset.UtcNow),
            };
            var replaced = existing is null ? _jobs.TryAdd(entry.Name, job) : _jobs.TryUpdate(entry.Name, job, existing);
            if (!replaced)
            {
                job.Cancel.Dispose();
                continue;
            }
            if (!_store.TryBegin(job.State, _holder))
            {
                // Another node downloads it into the shared folder: show its progress instead of racing it.
                _jobs.TryRemove(new KeyValuePair<string, Job>(entry.Name, job));
                job.Cancel.Dispose();
                return State(entry.Name) ?? job.State;
            }
            _logger.LogInformation("Downloading {Model} from {Hub}/{Repo}.", entry.Name, _hub, entry.HubId);
            Notify(job, force: true);
            job.Completion = Task.Run(() => RunAsync(entry, job));
            return job.State;
        }
    }

    /// <summary>Stops a running download; null when none is running.</summary>
    public ModelDownloadState? Cancel(string name)
    {
        if (!_jobs.TryGetValue(name, out var job) || job.State.Status != ModelDownloadStatus.Running)
        {
            // Another node's: it sees the request within a report interval.
            return _store.RequestCancel(name) ? State(name) : null;
        }
        job.Cancel.Cancel();
        try
        {
            // The download notices within one read; answer with the final state when it does.
            job.Completion.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // RunAsync records every outcome in the state; nothing escapes it.
        }
        return job.State;
    }

    private async Task RunAsync(ModelCatalogEntry entry, Job job)
    {
        var progress = new Reporter(p =>
        {
            job.State = job.State with { BytesReceived = p.Bytes, BytesTotal = p.Total, BytesPerSecond = p.BytesPerSecond, File = p.File, UpdatedAt = DateTimeOffset.UtcNow };
            Notify(job, force: false);
        });
        ModelDownloadState final;
        // Reports to the store while the hub sends nothing too, so other nodes see it alive, and picks up their cancel requests.
        using var heartbeat = new Timer(_ => Store(job, force: true), null, ModelDownloadRecord.ReportInterval, ModelDownloadRecord.ReportInterval);
        try
        {
            var folder = await _downloader.DownloadAsync(entry.HubId!, _paths.ModelsDirectory, entry.Name, progress, job.Cancel.Token);
            var bytes = Directory.EnumerateFiles(folder).Sum(f => new FileInfo(f).Length);
            final = job.State with { Status = ModelDownloadStatus.Completed, BytesReceived = bytes, BytesTotal = job.State.BytesTotal ?? bytes, File = null };
            _logger.LogInformation("Downloaded {Model} into {Folder}.", entry.Name, folder);
        }
        catch (OperationCanceledException) when (job.Cancel.IsCancellationRequested)
        {
            final = job.State with { Status = ModelDownloadStatus.Cancelled, Error = null };
            _logger.LogInformation("Download of {Model} cancelled; the files so far stay for a later resume.", entry.Name);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException or OperationCanceledException or System.Text.Json.JsonException)
        {
            final = job.State with { Status = ModelDownloadStatus.Failed, Error = Explain(entry, e) };
            _logger.LogWarning(e, "Download of {Model} failed.", entry.Name);
        }
        await heartbeat.DisposeAsync();
        job.State = final with { UpdatedAt = DateTimeOffset.UtcNow, BytesPerSecond = final.Status == ModelDownloadStatus.Completed ? final.BytesPerSecond : 0 };
        Store(job, force: true);
        Notify(job, force: true);
    }

    /// <summary>Writes the job's state to the store (progress at most every report interval) and obeys a cancel asked on another node.</summary>
    private void Store(Job job, bool force)
    {
        var now = DateTimeOffset.UtcNow;
        if (!force && now - job.LastStored < ModelDownloadRecord.ReportInterval) return;
        job.LastStored = now;
        try
        {
            var state = job.State;
            if (!_store.Save(state, _holder))
            {
                _logger.LogWarning("The download of {Model} was taken over by another node; this one stops.", state.Name);
                job.Cancel.Cancel();
            }
            else if (state.Status == ModelDownloadStatus.Running && _store.Get(state.Name)?.CancelRequested == true)
            {
                job.Cancel.Cancel();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The database away for a moment must not stop the download; the next report tries again.
            _logger.LogDebug(e, "Storing the state of a download failed.");
        }
    }

    private string Explain(ModelCatalogEntry entry, Exception e) => e switch
    {
        HttpRequestException { StatusCode: { } code } => $"The hub {_hub} answered {(int)code} for {entry.HubId}: {e.Message}",
        HttpRequestException => $"Could not reach {_hub} ({e.Message}). Check the network, or set Workbench:HubBaseUrl to a reachable mirror; the download resumes where it stopped.",
        OperationCanceledException => $"The connection to {_hub} timed out; start the download again to resume.",
        _ => e.Message,
    };

    private void Notify(Job job, bool force)
    {
        var now = DateTimeOffset.UtcNow;
        if (!force && now - job.LastNotified < ProgressInterval) return;
        job.LastNotified = now;
        var state = job.State;
        try
        {
            Changed?.Invoke(state);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A subscriber's failure (a closed page) must not stop the download.
            _logger.LogDebug(e, "A download subscriber failed.");
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        var running = _jobs.Values.Select(j => j.Completion).ToArray();
        try
        {
            Task.WaitAll(running, TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // Recorded in the states; the process is stopping.
        }
        _http.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Reports on the downloading thread, in order (Progress&lt;T&gt; would post to the thread pool and reorder).</summary>
    private sealed class Reporter(Action<DownloadProgress> report) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => report(value);
    }
}
