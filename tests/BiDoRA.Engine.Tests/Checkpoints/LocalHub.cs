using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;

namespace BiDoRA.Engine.Tests.Checkpoints;

/// <summary>
/// A Hugging Face-compatible hub on 127.0.0.1 serving one folder: the tree listing (sizes, LFS sha256) and
/// resolve URLs with HTTP Range. It can drop a connection half-way through a file, lie about a hash, or stall.
/// </summary>
internal sealed class LocalHub : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string _folder;
    private readonly string _repo;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LocalHub(string folder, string repo)
    {
        (_folder, _repo) = (folder, repo);
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(BaseUrl + "/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string BaseUrl { get; }

    /// <summary>Drop the connection after half of this file, this many times.</summary>
    public (string File, int Times)? DropMidFile { get; set; }

    /// <summary>List a wrong sha256 for this file.</summary>
    public string? WrongHashFor { get; set; }

    /// <summary>Wait this long between chunks of this file (to cancel mid-download).</summary>
    public (string File, TimeSpan Delay)? Slow { get; set; }

    public List<string> RangeRequests { get; } = [];

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        try
        {
            if (path == $"/api/models/{_repo}/tree/main")
            {
                var entries = Directory.GetFiles(_folder).Select(f => new
                {
                    type = "file",
                    path = Path.GetFileName(f),
                    size = new FileInfo(f).Length,
                    lfs = new { oid = Path.GetFileName(f) == WrongHashFor ? new string('0', 64) : Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))), size = new FileInfo(f).Length },
                });
                await Write(context, 200, JsonSerializer.SerializeToUtf8Bytes(entries));
                return;
            }
            var prefix = $"/{_repo}/resolve/main/";
            var name = path.StartsWith(prefix, StringComparison.Ordinal) ? path[prefix.Length..] : null;
            var file = name is null ? null : Path.Combine(_folder, name);
            if (file is null || !File.Exists(file))
            {
                await Write(context, 404, []);
                return;
            }
            var bytes = await File.ReadAllBytesAsync(file);
            var start = 0L;
            if (context.Request.Headers["Range"] is { } range)
            {
                lock (RangeRequests) RangeRequests.Add($"{name}:{range}");
                start = long.Parse(range["bytes=".Length..].TrimEnd('-'));
                context.Response.StatusCode = 206;
                context.Response.Headers["Content-Range"] = $"bytes {start}-{bytes.Length - 1}/{bytes.Length}";
            }
            context.Response.ContentLength64 = bytes.Length - start;
            var output = context.Response.OutputStream;
            if (DropMidFile is { } drop && drop.File == name && drop.Times > 0 && start == 0)
            {
                DropMidFile = (drop.File, drop.Times - 1);
                await output.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
                await output.FlushAsync();
                context.Response.Abort();
                return;
            }
            for (var at = start; at < bytes.Length; at += 8192)
            {
                if (Slow is { } slow && slow.File == name) await Task.Delay(slow.Delay);
                await output.WriteAsync(bytes.AsMemory((int)at, (int)Math.Min(8192, bytes.Length - at)));
            }
            context.Response.Close();
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        catch (HttpListenerException)
        {
            // The client went away (cancellation tests).
        }
    }

    private static async Task Write(HttpListenerContext context, int status, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentLength64 = body.Length;
        await context.Response.OutputStream.WriteAsync(body);
        context.Response.Close();
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
    }
}
