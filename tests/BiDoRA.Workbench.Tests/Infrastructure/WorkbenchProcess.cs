using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace BiDoRA.Workbench.Tests.Infrastructure;

/// <summary>
/// The workbench as a process of its own (<c>dotnet bidora.dll serve</c> from the test output), for what only a
/// real process shows: being killed with SIGKILL in the middle of a run, stopping on SIGTERM, or running under an
/// operating-system memory limit. It listens on a free loopback port, read from its "Now listening on" line.
/// </summary>
internal sealed partial class WorkbenchProcess : IAsyncDisposable
{
    private const int SigTerm = 15;

    private readonly ConcurrentQueue<string> _output = new();

    private WorkbenchProcess(Process process, string dataDirectory)
    {
        Process = process;
        DataDirectory = dataDirectory;
    }

    public Process Process { get; }

    public string DataDirectory { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>Everything the process wrote to stdout and stderr so far (for failure messages).</summary>
    public string Output => string.Join('\n', _output);

    /// <param name="dataSegmentLimitKilobytes">
    /// RLIMIT_DATA for the process (<c>ulimit -d</c>): an allocation that would take its writable memory past this
    /// fails at once with ENOMEM, without touching the machine's memory. Reserved address space (the .NET GC's) does
    /// not count, so the workbench itself runs normally under a limit of a few hundred megabytes.
    /// </param>
    public static async Task<WorkbenchProcess> StartAsync(string dataDirectory, long? dataSegmentLimitKilobytes = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "bidora.dll");
        var serve = new[] { Dotnet(), dll, "serve", "--data-dir", dataDirectory, "--urls", "http://127.0.0.1:0" };
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dataDirectory,
        };
        if (dataSegmentLimitKilobytes is { } limit)
        {
            // The shell sets the limit and then becomes the workbench, so the limit and the process id are its own.
            info.FileName = "/bin/sh";
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add($"ulimit -d {limit} && exec \"$@\"");
            info.ArgumentList.Add("sh");
        }
        else
        {
            info.FileName = serve[0];
            serve = serve[1..];
        }
        foreach (var argument in serve) info.ArgumentList.Add(argument);
        // Default logging: the "Now listening on" line is an Information message of Microsoft.Hosting.Lifetime, a
        // category an environment variable cannot name (sh drops variables with dots in their names).
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var workbench = new WorkbenchProcess(process, dataDirectory);
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Read(string? line)
        {
            if (line is null) return;
            workbench._output.Enqueue(line);
            if (ListeningLine().Match(line) is { Success: true } m) listening.TrySetResult(new Uri(m.Groups[1].Value));
        }
        process.OutputDataReceived += (_, e) => Read(e.Data);
        process.ErrorDataReceived += (_, e) => Read(e.Data);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("The workbench process exited before it listened."));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            workbench.BaseAddress = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (Exception e)
        {
            await workbench.DisposeAsync();
            throw new InvalidOperationException($"The workbench did not start: {e.Message}\n{workbench.Output}", e);
        }
        workbench.Http = new HttpClient { BaseAddress = workbench.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        return workbench;
    }

    /// <summary>SIGKILL: no shutdown code runs, nothing buffered is written.</summary>
    public async Task KillAsync()
    {
        Process.Kill(entireProcessTree: true);
        await Process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as a service manager stops it: the workbench shuts down cleanly; returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (SendSignal(Process.Id, SigTerm) != 0) throw new InvalidOperationException($"kill({Process.Id}, SIGTERM) failed.");
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await Process.WaitForExitAsync(limit.Token);
        return Process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (!Process.HasExited)
        {
            await KillAsync();
        }
        Process.Dispose();
    }

    // The host that runs the tests runs the workbench too, whatever its install location.
    internal static string Dotnet() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
