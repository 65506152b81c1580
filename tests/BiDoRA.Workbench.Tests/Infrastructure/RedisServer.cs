using System.Diagnostics;

namespace BiDoRA.Workbench.Tests.Infrastructure;

/// <summary>Debian's redis-server on a free loopback port, without persistence; stopped and started again by tests that take Redis away.</summary>
internal sealed class RedisServer : IDisposable
{
    private Process? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        if (!File.Exists("/usr/bin/redis-server")) throw new InvalidOperationException("redis-server is not installed: apt-get install redis-server (.ci/run does).");
        var server = new RedisServer(LocalProcess.FreePort());
        await server.StartAgainAsync();
        return server;
    }

    public async Task StartAgainAsync()
    {
        var info = new ProcessStartInfo("/usr/bin/redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no" })
        {
            info.ArgumentList.Add(a);
        }
        _process = Process.Start(info)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await LocalProcess.WaitForPortAsync(Port, TimeSpan.FromSeconds(30));
    }

    /// <summary>SIGKILL, as a crashed or unplugged Redis.</summary>
    public void Stop()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            p.WaitForExit();
        }
    }

    public void Dispose()
    {
        Stop();
        _process?.Dispose();
    }
}
