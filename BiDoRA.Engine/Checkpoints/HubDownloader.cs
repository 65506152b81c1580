using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BiDoRA.Engine.Checkpoints;

/// <summary>
/// Fetches a model folder (config.json, vocab.txt, weights: single or sharded safetensors) from a Hugging Face-compatible
/// hub into the models directory. Files land in &lt;models&gt;/.staging/&lt;name&gt;/ as .partial files that a later call
/// resumes with HTTP Range requests; each is checked against the size and sha256 the hub lists; only a complete,
/// verified folder is moved to &lt;models&gt;/&lt;name&gt;, so the models directory never holds half a model.
/// </summary>
public sealed class HubDownloader(HttpClient http, HubOptions? options = null, ILogger<HubDownloader>? logger = null)
{
    private readonly HubOptions _options = options ?? new HubOptions();
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    private sealed record RemoteFile(string Path, long? Size, string? Sha256);

    /// <returns>The model folder.</returns>
    /// <exception cref="ArgumentException">The name or repository id is not acceptable.</exception>
    /// <exception cref="InvalidDataException">A file failed verification (the message names it and both hashes).</exception>
    public async Task<string> DownloadAsync(string repoId, string modelsDirectory, string localName, IProgress<DownloadProgress>? progress = null, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(localName) || localName.IndexOfAny(['/', '\\', ':']) >= 0 || localName.StartsWith('.') || localName.Contains("..", StringComparison.Ordinal))
            throw new ArgumentException($"'{localName}' is not a plain folder name.", nameof(localName));
        if (repoId.Split('/') is not [{ Length: > 0 }, { Length: > 0 }] || repoId.Contains("..", StringComparison.Ordinal))
            throw new ArgumentException($"'{repoId}' is not a repository id of the form owner/name.", nameof(repoId));
        var final = Path.Combine(modelsDirectory, localName);
        if (HuggingFaceModelFolder.LooksLikeModelFolder(final)) return final;
        var staging = Path.Combine(modelsDirectory, ".staging", localName);
        Directory.CreateDirectory(staging);

        var files = await ListAsync(repoId, staging, ct);
        var total = files.All(f => f.Size is not null) ? files.Sum(f => f.Size!.Value) : (long?)null;
        var clock = Stopwatch.StartNew();
        long done = 0;
        foreach (var file in files)
        {
            var fileStart = done;
            await FetchAsync(repoId, file, staging, bytes =>
            {
                var now = fileStart + bytes;
                progress?.Report(new DownloadProgress(file.Path, bytes, file.Size, now, total, now / Math.Max(1e-3, clock.Elapsed.TotalSeconds)));
            }, ct);
            done = fileStart + new FileInfo(Path.Combine(staging, file.Path)).Length;
        }
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(staging, final);
        _logger.LogInformation("Downloaded {Repo} into {Folder} ({Bytes} bytes)", repoId, final, done);
        return final;
    }

    /// <summary>The files a model needs, with sizes and hashes where the hub lists them.</summary>
    private async Task<IReadOnlyList<RemoteFile>> ListAsync(string repoId, string staging, CancellationToken ct)
    {
        Dictionary<string, RemoteFile>? listed = null;
        try
        {
            using var response = await http.GetAsync($"{_options.BaseUrl.TrimEnd('/')}/api/models/{repoId}/tree/main", ct);
            if (response.IsSuccessStatusCode)
            {
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                listed = json.RootElement.EnumerateArray()
                    .Where(e => !e.TryGetProperty("type", out var t) || t.GetString() == "file")
                    .Select(e => new RemoteFile(e.GetProperty("path").GetString()!,
                        e.TryGetProperty("size", out var s) ? s.GetInt64() : null,
                        e.TryGetProperty("lfs", out var lfs) && lfs.TryGetProperty("oid", out var oid) ? oid.GetString() : null))
                    .ToDictionary(f => f.Path);
            }
            else
            {
                _logger.LogWarning("Listing {Repo} answered {Status}; fetching the standard file set", repoId, response.StatusCode);
            }
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            _logger.LogWarning(e, "Listing {Repo} failed; fetching the standard file set", repoId);
        }
        RemoteFile Entry(string path) => listed?.GetValueOrDefault(path) ?? new RemoteFile(path, null, null);
        var needed = new List<RemoteFile> { Entry(HuggingFaceModelFolder.ConfigFileName), Entry(HuggingFaceModelFolder.VocabularyFileName) };
        var sharded = listed is not null && !listed.ContainsKey(HuggingFaceModelFolder.WeightsFileName) && listed.ContainsKey(ShardedSafetensors.IndexFileName);
        if (!sharded)
        {
            needed.Add(Entry(HuggingFaceModelFolder.WeightsFileName));
            return needed;
        }
        var index = Entry(ShardedSafetensors.IndexFileName);
        await FetchAsync(repoId, index, staging, _ => { }, ct);
        using var indexJson = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(staging, index.Path), ct));
        var shards = indexJson.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => p.Value.GetString()!).Distinct().Order(StringComparer.Ordinal);
        return [.. needed, index, .. shards.Select(Entry)];
    }

    private async Task FetchAsync(string repoId, RemoteFile file, string staging, Action<long> report, CancellationToken ct)
    {
        if (file.Path.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(file.Path))
            throw new InvalidDataException($"The hub listed an unsafe file name '{file.Path}'.");
        var target = Path.Combine(staging, file.Path);
        if (File.Exists(target) && (file.Size is null || new FileInfo(target).Length == file.Size))
        {
            report(new FileInfo(target).Length);
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var partial = target + ".partial";
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ResumeAsync(repoId, file, partial, report, ct);
                break;
            }
            catch (Exception e) when (e is IOException or HttpRequestException && !ct.IsCancellationRequested && attempt < _options.MaxAttempts)
            {
                _logger.LogWarning("Download of {File} interrupted ({Message}); resuming, attempt {Attempt}", file.Path, e.Message, attempt + 1);
                await Task.Delay(_options.RetryDelay * attempt, ct);
            }
        }
        Verify(file, partial);
        File.Move(partial, target, overwrite: true);
    }

    private async Task ResumeAsync(string repoId, RemoteFile file, string partial, Action<long> report, CancellationToken ct)
    {
        var have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (file.Size is { } size && have == size) return;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{_options.BaseUrl.TrimEnd('/')}/{repoId}/resolve/main/{file.Path}");
        if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && file.Size is null) return;
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{file.Path}: the hub answered {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
        var append = have > 0 && response.StatusCode == HttpStatusCode.PartialContent;
        if (!append) have = 0;
        await using var output = new FileStream(partial, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[1 << 16];
        int read;
        while ((read = await body.ReadAsync(buffer, ct)) > 0)
        {
            await output.WriteAsync(buffer.AsMemory(0, read), ct);
            have += read;
            report(have);
        }
        if (file.Size is { } expected && have < expected)
            throw new IOException($"{file.Path}: the connection closed after {have} of {expected} bytes.");
    }

    private static void Verify(RemoteFile file, string partial)
    {
        var length = new FileInfo(partial).Length;
        if (file.Size is { } size && length != size)
        {
            File.Delete(partial);
            throw new InvalidDataException($"{file.Path}: received {length} bytes, the hub lists {size}; the partial file was removed.");
        }
        if (file.Sha256 is not { Length: 64 } expected) return;
        using var stream = File.OpenRead(partial);
        var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
        {
            stream.Dispose();
            File.Delete(partial);
            throw new InvalidDataException($"{file.Path}: sha256 {actual} does not match the hub's {expected}; the partial file was removed.");
        }
    }
}
