using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using BiDoRA.Workbench.Services.Datasets;
using BiDoRA.Workbench.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace BiDoRA.Workbench.Tests.Cluster;

/// <summary>
/// <c>scripts/cluster-local.sh</c> as a user runs it: the cluster comes up, a run started in Chromium trains on one of
/// its workers and the run page names that worker, and SIGTERM leaves no process and no folder behind.
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed partial class ClusterLocalScriptTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_script_brings_up_a_cluster_whose_run_page_names_the_worker_and_SIGTERM_leaves_nothing_behind()
    {
        var port = LocalProcess.FreePort();
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(TestPaths.RepoRoot, "scripts", "cluster-local.sh"));
        info.Environment["CLUSTER_WORKERS"] = "2";
        info.Environment["CLUSTER_PORT"] = port.ToString();
        // This test run's own build: the script would otherwise build the workbench again.
        info.Environment["BIDORA_BIN"] = Path.Combine(AppContext.BaseDirectory, "bidora.dll");
        using var script = new Process { StartInfo = info };
        var lines = new ConcurrentQueue<string>();
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Read(string? line)
        {
            if (line is null) return;
            lines.Enqueue(line);
            if (line == "cluster-local: up") up.TrySetResult();
        }
        script.OutputDataReceived += (_, e) => Read(e.Data);
        script.ErrorDataReceived += (_, e) => Read(e.Data);
        var clock = Stopwatch.StartNew();
        script.Start();
        script.BeginOutputReadLine();
        script.BeginErrorReadLine();
        string Output() => string.Join('\n', lines);
        try
        {
            await up.Task.WaitAsync(TimeSpan.FromMinutes(3));
            output.WriteLine($"up after {clock.Elapsed.TotalSeconds:F1} s");
            var folder = FolderLine().Match(Output()).Groups[1].Value;
            Assert.True(Directory.Exists(folder), Output());
            var children = ChildrenOf(script.Id);
            Assert.Equal(4, children.Count(c => c.Command.Contains("bidora.dll", StringComparison.Ordinal)) + children.Count(c => c.Command.Contains("redis-server", StringComparison.Ordinal)));

            var baseAddress = new Uri($"http://127.0.0.1:{port}");
            using var http = new HttpClient { BaseAddress = baseAddress };
            var bbp = (await http.GetFromJsonAsync<List<DatasetRecord>>("/api/datasets", WorkbenchClient.Json))!.Single(d => d.Sample == "bbp");
            await using (var browser = await Browser.LaunchAsync())
            {
                var (page, errors) = await browser.NewPageAsync();
                page.SetDefaultTimeout(30_000);
                await page.GotoAsync(new Uri(baseAddress, $"/runs/new?dataset={bbp.Id}").ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
                await Browser.WaitUntilInteractiveAsync(page);
                await page.Locator("input[data-testid=new-run-steps], [data-testid=new-run-steps] input").First.FillAsync("10");
                await page.Locator("input[data-testid=new-run-name], [data-testid=new-run-name] input").First.FillAsync("Script run");
                await page.Locator("[data-testid=new-run-start]").ClickAsync();
                await Assertions.Expect(page).ToHaveURLAsync(new Regex("/runs/[0-9a-f]{16}$"), new() { Timeout = 30_000 });
                await Assertions.Expect(page.Locator("[data-status]")).ToHaveAttributeAsync("data-status", "Completed", new() { Timeout = 180_000 });
                await Assertions.Expect(page.Locator("[data-testid=run-worker]")).ToHaveTextAsync(new Regex("^trained on worker-[12]$"));
                await page.ScreenshotAsync(new() { Path = Path.Combine(Browser.ScreenshotsDirectory, "cluster-local-run.png"), FullPage = true });
                Assert.Empty(errors);
            }

            var postgres = Processes().Where(p => p.Command.Contains(folder, StringComparison.Ordinal)).ToList();
            Assert.Contains(postgres, p => p.Command.Contains("postgres", StringComparison.Ordinal));
            LocalProcess.Run("kill", "-TERM", script.Id.ToString());
            Assert.True(script.WaitForExit(TimeSpan.FromSeconds(60)), Output());
            script.WaitForExit();
            Assert.Equal(143, script.ExitCode);
            Assert.Contains("cluster-local: stopped", Output());
            Assert.All(children.Concat(postgres), c => Assert.False(Alive(c), $"{c.Pid} {c.Command} is still running"));
            Assert.DoesNotContain(Processes(), p => p.Command.Contains(folder, StringComparison.Ordinal));
            Assert.False(Directory.Exists(folder));
            output.WriteLine($"whole test {clock.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            if (!script.HasExited) script.Kill(entireProcessTree: true);
            output.WriteLine(Output());
        }
    }

    private sealed record ProcessInfo(int Pid, int Parent, string Command, string StartTime);

    private static List<ProcessInfo> Processes()
    {
        var found = new List<ProcessInfo>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var command = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
                // Fields after the command's closing parenthesis: state, ppid, ..., starttime (field 22).
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                found.Add(new ProcessInfo(pid, int.Parse(fields[1]), command, fields[19]));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // It ended while we looked.
            }
        }
        return found;
    }

    private static List<ProcessInfo> ChildrenOf(int pid) => Processes().Where(p => p.Parent == pid).ToList();

    // The same pid with the same start time: not a new process that reuses the number.
    private static bool Alive(ProcessInfo process) => Processes().Any(p => p.Pid == process.Pid && p.StartTime == process.StartTime && p.Command.Length > 0);

    [GeneratedRegex(@"folder\s+(/\S+)")]
    private static partial Regex FolderLine();
}
