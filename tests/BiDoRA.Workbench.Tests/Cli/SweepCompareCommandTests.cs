using System.Text.Json;

namespace BiDoRA.Workbench.Tests.Cli;

/// <summary><c>sweep</c> trains the tiny model on a slice of BBP for two methods and two seeds; <c>compare</c> reads the folder back.</summary>
public sealed class SweepCompareCommandTests
{
    private static string Slice()
    {
        var lines = File.ReadAllLines(Path.Combine(TestPaths.Samples, "bbp", "train.csv"));
        var file = Path.Combine(Path.GetTempPath(), "bidora-cli", Guid.NewGuid().ToString("N"), "bbp-slice.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllLines(file, [lines[0], .. lines.Skip(1).Take(20), .. lines.TakeLast(20)]);
        return file;
    }

    [Fact]
    public async Task Sweep_then_compare_with_a_report()
    {
        var data = Slice();
        var folder = Path.Combine(Path.GetDirectoryName(data)!, "sweep");
        string[] sweep = ["sweep", "--dataset", data, "--model", "tiny", "--methods", "lora,dora", "--seed-values", "1,2", "--steps", "2",
            "--batch-size", "8", "--eval-every", "1", "--rank", "2", "--device", "cpu", "--out", folder];
        var (code, stdout, stderr) = await CliRunner.RunAsync(sweep);
        Assert.True(code == 0, stderr);
        Assert.Contains("[1/4] lora seed 1", stderr);
        Assert.Contains("[4/4] dora seed 2", stderr);
        using (var json = JsonDocument.Parse(stdout))
        {
            var runs = json.RootElement.GetProperty("runs").EnumerateArray().ToList();
            Assert.Equal(["lora-seed1", "dora-seed1", "lora-seed2", "dora-seed2"], runs.Select(r => r.GetProperty("name").GetString()));
            Assert.All(runs, r => Assert.Equal("completed", r.GetProperty("outcome").GetString()));
            var comparison = json.RootElement.GetProperty("comparison");
            Assert.Equal(["lora", "dora"], comparison.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("group").GetString()));
        }
        Assert.True(File.Exists(Path.Combine(folder, "sweep.json")));

        // The same command again keeps what is done.
        (code, _, stderr) = await CliRunner.RunAsync(sweep);
        Assert.True(code == 0, stderr);
        Assert.Contains("Continuing the sweep", stderr);
        Assert.Equal(4, stderr.Split('\n').Count(l => l.Contains("already completed", StringComparison.Ordinal)));

        // A different sweep into the same folder is refused.
        (code, _, stderr) = await CliRunner.RunAsync([.. sweep.Select(a => a == "lora,dora" ? "lora,bidora" : a)]);
        Assert.Equal(2, code);
        Assert.Contains("holds a different sweep", stderr);

        var report = Path.Combine(folder, "report.html");
        (code, stdout, stderr) = await CliRunner.RunAsync("compare", "--sweep", folder, "--a", "lora", "--b", "dora", "--alternative", "greater", "--report", report);
        Assert.True(code == 0, stderr);
        using (var json = JsonDocument.Parse(stdout))
        {
            var paired = json.RootElement.GetProperty("comparison");
            Assert.Equal("lora", paired.GetProperty("a").GetString());
            Assert.Equal("dora", paired.GetProperty("b").GetString());
            Assert.Equal("greater", paired.GetProperty("alternative").GetString());
            Assert.Equal([1, 2], paired.GetProperty("seeds").EnumerateArray().Select(s => s.GetInt32()));
            var test = paired.GetProperty("tests")[0];
            Assert.Equal("accuracy", test.GetProperty("metric").GetString());
            Assert.Equal(2, test.GetProperty("result").GetProperty("pairs").GetInt32());
            var group = json.RootElement.GetProperty("groups")[0];
            Assert.True(group.GetProperty("trainableParameters").GetProperty("mean").GetDouble() > group.GetProperty("paperParameterCount").GetProperty("mean").GetDouble());
        }
        var html = await File.ReadAllTextAsync(report);
        Assert.Contains("<svg", html);
        Assert.Contains("Wilcoxon signed-rank test: dora vs lora", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);

        // Chosen run folders compare the same way.
        (code, stdout, stderr) = await CliRunner.RunAsync("compare", "--runs", Path.Combine(folder, "lora-seed1"), Path.Combine(folder, "dora-seed1"));
        Assert.True(code == 0, stderr);
        using (var json = JsonDocument.Parse(stdout))
        {
            Assert.Equal(2, json.RootElement.GetProperty("runs").GetArrayLength());
        }

        (code, _, stderr) = await CliRunner.RunAsync("compare", "--sweep", folder, "--metric", "bleu");
        Assert.Equal(2, code);
        Assert.Contains("--metric", stderr);
    }

    [Theory]
    [InlineData("qlora", "1,2", "qlora")]
    [InlineData("lora,dora", "1,1", "each seed may appear once")]
    [InlineData("lora,lora", "1", "each method may appear once")]
    public async Task Sweep_refuses_bad_methods_and_seeds(string methods, string seeds, string message)
    {
        var (code, stdout, stderr) = await CliRunner.RunAsync("sweep", "--dataset", Slice(), "--methods", methods, "--seed-values", seeds,
            "--out", Path.Combine(Path.GetTempPath(), "bidora-cli", Guid.NewGuid().ToString("N")));
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
        Assert.Empty(stdout);
    }

    [Fact]
    public async Task Sweep_refuses_bad_run_settings_before_any_run()
    {
        var folder = Path.Combine(Path.GetTempPath(), "bidora-cli", Guid.NewGuid().ToString("N"));
        var (code, stdout, stderr) = await CliRunner.RunAsync("sweep", "--dataset", Slice(), "--methods", "lora", "--seeds", "1",
            "--batch-size", "0", "--device", "gpu", "--out", folder);
        Assert.Equal(2, code);
        Assert.Contains("--batch-size: must be greater than 0.", stderr);
        Assert.Contains("--device: must be auto, cpu, cuda or cuda:N.", stderr);
        Assert.Empty(stdout);
        Assert.False(Directory.Exists(folder), "nothing is written for a refused sweep");
    }

    [Fact]
    public async Task Compare_needs_a_sweep_or_runs()
    {
        var (code, _, stderr) = await CliRunner.RunAsync("compare");
        Assert.Equal(2, code);
        Assert.Contains("--sweep", stderr);
        var missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"));
        (code, _, stderr) = await CliRunner.RunAsync("compare", "--sweep", missing);
        Assert.Equal(2, code);
        Assert.Contains("sweep.json", stderr);
    }
}
