using System.Diagnostics;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Cluster;

/// <summary>A node whose cluster settings are missing or point nowhere refuses to start with one line that names the key.</summary>
public sealed class ClusterStartupTests
{
    [Fact]
    public async Task Serve_with_an_unreachable_database_exits_2_naming_the_key_without_a_stack_trace()
    {
        var port = LocalProcess.FreePort();
        var (code, output) = await RunAsync(["serve", "--urls", "http://127.0.0.1:0"], new()
        {
            ["Workbench__Cluster__PostgreSql"] = $"Host=127.0.0.1;Port={port};Username=bidora;Database=lab;Timeout=3",
            ["Workbench__Cluster__Redis"] = "127.0.0.1:1",
        });
        Assert.Equal(2, code);
        Assert.Contains($"bidora: Workbench:Cluster:PostgreSql: cannot use the database 'lab' on 127.0.0.1:{port} as 'bidora'", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task A_worker_without_cluster_settings_exits_2_and_says_which_keys_it_needs()
    {
        var (code, output) = await RunAsync(["worker", "--device", "cpu"], []);
        Assert.Equal(2, code);
        Assert.Contains("bidora worker needs Workbench:Cluster:PostgreSql", output);
        Assert.DoesNotContain("   at ", output);

        (code, output) = await RunAsync(["worker", "--device", "tpu"], []);
        Assert.Equal(2, code);
        Assert.Contains("--device 'tpu' is not cpu, cuda, cuda:N or auto", output);
    }

    private static async Task<(int Code, string Output)> RunAsync(string[] arguments, Dictionary<string, string> environment)
    {
        var data = Path.Combine(Path.GetTempPath(), "bidora-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        try
        {
            var info = new ProcessStartInfo(WorkbenchProcess.Dotnet()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = data };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "bidora.dll"));
            foreach (var a in arguments) info.ArgumentList.Add(a);
            foreach (var (k, v) in environment) info.Environment[k] = v;
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(limit.Token);
            return (process.ExitCode, await stdout + await stderr);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
