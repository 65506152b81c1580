using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BiDoRA.Workbench.Tests.Infrastructure;

/// <summary>Helpers to start Debian's database servers for the tests: free ports, commands run to completion.</summary>
internal static class LocalProcess
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs <paramref name="file"/> to its end; throws with its output when it fails.</summary>
    public static string Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2))) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        var text = output.Result + error.Result;
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{text}");
        return text;
    }

    /// <summary>Waits until something accepts connections on the loopback port.</summary>
    public static async Task WaitForPortAsync(int port, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < until)
            {
                await Task.Delay(100);
            }
        }
    }
}
