using System.Text.Json;

namespace BiDoRA.Workbench.Tests.Cli;

/// <summary><c>train</c> on the real BBP sample with the tiny model, then <c>predict</c> on its test file.</summary>
public sealed class TrainPredictCommandTests
{
    private static string Sample(string file) => Path.Combine(TestPaths.RepoRoot, "wwwroot-assets", "samples", "bbp", file);

    [Theory]
    [InlineData("bidora")]
    [InlineData("lora")]
    public async Task Train_then_predict_writes_one_row_per_sequence(string method)
    {
        var run = Path.Combine(Path.GetTempPath(), "bidora-cli", Guid.NewGuid().ToString("N"));
        var (code, stdout, stderr) = await CliRunner.RunAsync("train", "--dataset", Sample("train.csv"), "--test-file", Sample("test.csv"),
            "--model", "tiny", "--method", method, "--steps", "4", "--batch-size", "8", "--device", "cpu", "--out", run);
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("completed", json.RootElement.GetProperty("outcome").GetString());
        Assert.InRange(json.RootElement.GetProperty("test").GetProperty("accuracy").GetDouble(), 0, 1);
        Assert.Contains("ETA", stderr);

        var output = Path.Combine(run, "predicted.csv");
        (code, _, stderr) = await CliRunner.RunAsync("predict", "--run", run, "--input", Sample("test.csv"), "--output", output, "--device", "cpu");
        Assert.True(code == 0, stderr);
        var lines = File.ReadAllLines(output);
        Assert.Equal("id,sequence,predicted,p_0,p_1", lines[0]);
        Assert.Equal(File.ReadAllLines(Sample("test.csv")).Length - 1, lines.Length - 1);
    }

    [Theory]
    [InlineData("--steps", "0", "--steps: must be greater than 0.")]
    [InlineData("--lr", "-1", "--lr: must be greater than 0.")]
    [InlineData("--targets", ",", "--targets: must name at least one module, none blank.")]
    [InlineData("--retrain-steps", "-2", "--retrain-steps: must be 0 or more.")]
    public async Task Train_refuses_bad_settings_as_the_api_does(string option, string value, string message)
    {
        var run = Path.Combine(Path.GetTempPath(), "bidora-cli", Guid.NewGuid().ToString("N"));
        var (code, stdout, stderr) = await CliRunner.RunAsync("train", "--dataset", Sample("train.csv"), "--model", "tiny", "--device", "cpu", option, value, "--out", run);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
        Assert.Empty(stdout);
        Assert.False(Directory.Exists(run), "a refused run writes no folder");
    }

    [Fact]
    public async Task Train_on_a_broken_file_fails_naming_the_row()
    {
        var file = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".csv");
        await File.WriteAllTextAsync(file, "sequence,label\nACDEFG,1\nAC9DE,0\n");
        var (code, _, stderr) = await CliRunner.RunAsync("train", "--dataset", file, "--model", "tiny", "--steps", "1", "--device", "cpu",
            "--out", Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")));
        Assert.Equal(1, code);
        Assert.Contains("row 3", stderr);
    }
}
