using System.Globalization;
using System.Text.RegularExpressions;
using BiDoRA.Engine.Evaluation;

namespace BiDoRA.Workbench.Tests.Cli;

/// <summary>
/// <c>compare --report</c> on a cross-validated sweep: the ensemble ECE is the engine's calibration of each row's mean
/// probabilities over the runs whose test fold held it (one per seed), pooled over folds.
/// </summary>
public sealed class EnsembleReportCommandTests
{
    [Fact]
    public async Task Folds_sweep_report_scores_each_row_with_the_seeds_that_held_it_out()
    {
        var lines = File.ReadAllLines(Path.Combine(TestPaths.Samples, "bbp", "train.csv"));
        var root = Path.Combine(Path.GetTempPath(), "bidora-cli", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var data = Path.Combine(root, "bbp-slice.csv");
        File.WriteAllLines(data, [lines[0], .. lines.Skip(1).Take(16), .. lines.TakeLast(16)]);
        var folder = Path.Combine(root, "sweep");
        var (code, _, stderr) = await CliRunner.RunAsync("sweep", "--dataset", data, "--model", "tiny", "--methods", "lora", "--seed-values", "1,2", "--folds", "2",
            "--steps", "2", "--batch-size", "8", "--eval-every", "2", "--rank", "2", "--device", "cpu", "--out", folder);
        Assert.True(code == 0, stderr);

        var report = Path.Combine(folder, "report.html");
        (code, _, stderr) = await CliRunner.RunAsync("compare", "--sweep", folder, "--report", report);
        Assert.True(code == 0, stderr);
        var html = await File.ReadAllTextAsync(report);
        Assert.Contains("Calibration: ensembles and their members (test rows)", html);
        Assert.Contains("whose test fold held it", html);

        var predictions = Directory.GetFiles(folder, "predictions.csv", SearchOption.AllDirectories);
        Assert.Equal(4, predictions.Length);   // 2 seeds × 2 folds
        var header = File.ReadLines(predictions[0]).First().Split(',');
        var classes = header.Where(h => h.StartsWith("p_", StringComparison.Ordinal)).Select(h => h[2..]).ToList();
        var rows = predictions.SelectMany(p => File.ReadLines(p).Skip(1).Select(l => l.Split(','))).GroupBy(f => f[0]).ToList();
        Assert.Equal(32, rows.Count);                          // every row is in one test fold per seed
        Assert.All(rows, g => Assert.Equal(2, g.Count()));    // … and so scored by two members
        var expected = Calibration.Of(rows.Select(g => classes.IndexOf(g.First()[2])).ToList(),
            rows.Select(g => (IReadOnlyList<double>)classes.Select((_, c) => g.Average(f => double.Parse(f[4 + c], CultureInfo.InvariantCulture))).ToList()).ToList());
        var match = Regex.Match(html, "data-ensemble-ece=\"lora\">([0-9.]+)<");
        Assert.True(match.Success, "no ensemble ECE for lora");
        Assert.Equal(expected.ExpectedCalibrationError, double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), 6);
        Assert.Contains("lora ensemble of 4", html);
    }
}
