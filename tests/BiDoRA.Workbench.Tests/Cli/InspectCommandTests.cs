using System.Text.Json;

namespace BiDoRA.Workbench.Tests.Cli;

/// <summary><c>inspect</c> prints the task and counts of each sample (exit 0) and refuses a broken file (exit 2).</summary>
public sealed class InspectCommandTests
{
    [Theory]
    [InlineData("bbp", "binary", 198, 38)]
    [InlineData("thermostability", "binary", 2247, 562)]
    [InlineData("mic", "regression", 4255, 1064)]
    public async Task Samples_report_task_and_counts(string name, string task, int train, int test)
    {
        var folder = Path.Combine(TestPaths.RepoRoot, "wwwroot-assets", "samples", name);
        var (code, stdout, stderr) = await CliRunner.RunAsync("inspect", "--dataset", Path.Combine(folder, "train.csv"), "--test-file", Path.Combine(folder, "test.csv"));
        Assert.True(code == 0, stderr + stdout);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(task, json.RootElement.GetProperty("task").GetString());
        Assert.Equal(train, json.RootElement.GetProperty("counts").GetProperty("train").GetInt32());
        Assert.Equal(test, json.RootElement.GetProperty("counts").GetProperty("test").GetInt32());
    }

    [Fact]
    public async Task Broken_file_exits_2_with_every_error_located()
    {
        var file = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".csv");
        await File.WriteAllTextAsync(file, "sequence,label\nACDEFG,1\nAC9DE,0\n,1\nKLMN,\n");
        var (code, stdout, _) = await CliRunner.RunAsync("inspect", "--dataset", file);
        Assert.Equal(2, code);
        using var json = JsonDocument.Parse(stdout);
        var errors = json.RootElement.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("row").GetInt32(), e.GetProperty("field").GetString())).ToList();
        Assert.Contains((3, "sequence"), errors);
        Assert.Contains((4, "sequence"), errors);
        Assert.Contains((5, "label"), errors);
    }
}
