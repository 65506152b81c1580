using System.Globalization;

namespace BiDoRA.Workbench.Tests.Cli;

/// <summary><c>train</c>, <c>export</c> in both formats, then <c>predict --run</c> on each export: the same CSV as the run gives.</summary>
public sealed class ExportCommandTests
{
    private static string Sample(string file) => Path.Combine(TestPaths.RepoRoot, "wwwroot-assets", "samples", "bbp", file);

    [Fact]
    public async Task Exports_predict_as_the_run_does_and_bad_requests_fail_with_a_message()
    {
        var root = Path.Combine(Path.GetTempPath(), "bidora-cli", Guid.NewGuid().ToString("N"));
        var run = Path.Combine(root, "run");
        var (code, _, stderr) = await CliRunner.RunAsync("train", "--dataset", Sample("train.csv"), "--test-file", Sample("test.csv"),
            "--model", "tiny", "--method", "dora", "--steps", "2", "--batch-size", "8", "--device", "cpu", "--out", run);
        Assert.True(code == 0, stderr);
        var expected = await Predict(run);

        foreach (var format in new[] { "peft", "merged" })
        {
            var folder = Path.Combine(root, format);
            string stdout;
            (code, stdout, stderr) = await CliRunner.RunAsync("export", "--run", run, "--format", format, "--out", folder);
            Assert.True(code == 0, stderr);
            Assert.Contains("README.md", stdout);
            Assert.True(File.Exists(Path.Combine(folder, format == "peft" ? "adapter_model.safetensors" : "model.safetensors")));
            var actual = await Predict(folder);
            Assert.Equal(expected.Count, actual.Count);
            Assert.Equal(expected[0], actual[0]);
            for (var i = 1; i < expected.Count; i++)
            {
                var (e, a) = (expected[i].Split(','), actual[i].Split(','));
                Assert.Equal(e[..3], a[..3]);
                for (var k = 3; k < e.Length; k++) Assert.Equal(double.Parse(e[k], CultureInfo.InvariantCulture), double.Parse(a[k], CultureInfo.InvariantCulture), 1e-6);
            }
        }

        (code, _, stderr) = await CliRunner.RunAsync("export", "--run", run, "--format", "merged", "--out", Path.Combine(root, "merged"));
        Assert.Equal(1, code);
        Assert.Contains("not empty", stderr);
        (code, _, stderr) = await CliRunner.RunAsync("export", "--run", run, "--format", "onnx", "--out", Path.Combine(root, "x"));
        Assert.NotEqual(0, code);
        Assert.Contains("onnx", stderr);
    }

    [Fact]
    public async Task Predict_with_an_adapter_whose_base_is_elsewhere_takes_model()
    {
        var adapter = Path.Combine(TestPaths.RepoRoot, "tests", "fixtures", "peft", "dora-with-classifier");
        var output = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".csv");
        var (code, _, stderr) = await CliRunner.RunAsync("predict", "--run", adapter, "--input", Sample("test.csv"), "--output", output, "--device", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("--model", stderr);

        (code, _, stderr) = await CliRunner.RunAsync("predict", "--run", adapter, "--model", "tiny", "--input", Sample("test.csv"), "--output", output, "--device", "cpu");
        Assert.True(code == 0, stderr);
        Assert.Equal("id,sequence,predicted,p_LABEL_0,p_LABEL_1,p_LABEL_2", File.ReadLines(output).First());
    }

    private static async Task<List<string>> Predict(string folder)
    {
        var output = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".csv");
        var (code, _, stderr) = await CliRunner.RunAsync("predict", "--run", folder, "--input", Sample("test.csv"), "--output", output, "--device", "cpu");
        Assert.True(code == 0, stderr);
        return File.ReadAllLines(output).ToList();
    }
}
