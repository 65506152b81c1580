using System.Collections.Concurrent;
using System.Diagnostics;

namespace BiDoRA.Workbench.Tests.Infrastructure;

/// <summary>
/// A cluster worker as a process of its own (<c>dotnet bidora.dll worker</c>), so a test can kill it with SIGKILL in
/// the middle of a run as a crashed GPU machine would be.
/// </summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _output = new();

    private WorkerProcess(Process process, string name)
    {
        Process = process;
        Name = name;
    }

    public Process Process { get; }

    public string Name { get; }

    public string Output => string.Join('\n', _output);

    public static async Task<WorkerProcess> StartAsync(string name, string sharedDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(WorkbenchProcess.Dotnet())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = sharedDirectory,
        };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "bidora.dll"), "worker", "--name", name, "--queues", "cpu", "--device", "cpu", "--data-dir", sharedDirectory })
        {
            info.ArgumentList.Add(a);
        }
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        // Two workers share this machine's cores.
        info.Environment["BIDORA_THREADS"] = "1";
        foreach (var (k, v) in environment) info.Environment[k] = v;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var worker = new WorkerProcess(process, name);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Read(string? line)
        {
            if (line is null) return;
            worker._output.Enqueue(line);
            if (line.Contains("Starting Hangfire Server", StringComparison.Ordinal) || line.Contains("successfully announced", StringComparison.Ordinal)) started.TrySetResult();
        }
        process.OutputDataReceived += (_, e) => Read(e.Data);
        process.ErrorDataReceived += (_, e) => Read(e.Data);
        process.Exited += (_, _) => started.TrySetException(new InvalidOperationException("The worker exited before it started."));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await started.Task.WaitAsync(TimeSpan.FromSeconds(90));
        }
        catch (Exception e)
        {
            await worker.DisposeAsync();
            throw new InvalidOperationException($"Worker {name} did not start: {e.Message}\n{worker.Output}", e);
        }
        return worker;
    }

    public async Task KillAsync()
    {
        if (Process.HasExited) return;
        Process.Kill(entireProcessTree: true);
        await Process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Process.Dispose();
    }
}
