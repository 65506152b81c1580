using System.Globalization;
using System.Text.Json;
using BiDoRA.Workbench.Tests.Cli;

namespace BiDoRA.Workbench.Tests.Design;

/// <summary><c>scan</c>, <c>score-variants</c> and <c>predict --attributions</c> on a short BBP run with the tiny model.</summary>
public sealed class DesignCommandTests
{
    private static string Sample(string file) => Path.Combine(TestPaths.Samples, "bbp", file);

    private static string FixtureModel => Path.Combine(TestPaths.Fixtures, "esm2-tiny-a", "model");

    private static async Task<string> TrainAsync()
    {
        var run = Path.Combine(Path.GetTempPath(), "bidora-cli", Guid.NewGuid().ToString("N"));
        var (code, _, stderr) = await CliRunner.RunAsync("train", "--dataset", Sample("train.csv"), "--model", "tiny", "--method", "lora",
            "--steps", "2", "--batch-size", "8", "--device", "cpu", "--out", run);
        Assert.True(code == 0, stderr);
        return run;
    }

    [Fact]
    public async Task Scan_writes_the_wild_type_and_every_allowed_substitution_then_design_candidates()
    {
        var run = await TrainAsync();
        var output = Path.Combine(run, "scan.csv");
        var (code, stdout, stderr) = await CliRunner.RunAsync("scan", "--run", run, "--sequence", "GLFDIVKK", "--output", output,
            "--fixed", "1", "--allowed", "2:AW", "--design-rounds", "2", "--beam", "2", "--device", "cpu", "--json", Path.Combine(run, "scan.json"));
        Assert.True(code == 0, stderr);
        var lines = File.ReadAllLines(output);
        Assert.Equal("id,mutation,position,wild_type,residue,score,effect,sd", lines[0]);
        Assert.StartsWith("sequence,WT,,,,", lines[1]);
        Assert.Equal(1 + 1 + 2 + 19 * 6, lines.Length);
        Assert.DoesNotContain(lines, l => l.Split(',')[2] == "1");
        Assert.Equal(["L2A", "L2W"], lines.Where(l => l.Split(',')[2] == "2").Select(l => l.Split(',')[1]));
        Assert.Contains("100 %", stderr);
        var design = File.ReadAllLines(Path.Combine(run, "scan-design.csv"));
        Assert.Equal("id,round,mutations,distance,score,effect,sd,sequence", design[0]);
        Assert.Equal(4, design.Length - 1);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "scan.json")));
        Assert.Equal(2 + 19 * 6, json.RootElement.GetProperty("scans")[0].GetProperty("scan").GetProperty("cells").GetArrayLength());

        (code, _, stderr) = await CliRunner.RunAsync("scan", "--run", run, "--sequence", "GLF1", "--output", output, "--device", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("--sequence: Position 4", stderr);

        var attributions = Path.Combine(run, "attributions.json");
        (code, stdout, stderr) = await CliRunner.RunAsync("predict", "--run", run, "--input", Sample("test.csv"), "--output", Path.Combine(run, "p.csv"),
            "--attributions", attributions, "--ig-steps", "8", "--device", "cpu");
        Assert.True(code == 0, stderr);
        Assert.Contains("completeness error", stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(attributions));
        var first = doc.RootElement[0].GetProperty("attribution");
        Assert.Equal(first.GetProperty("sequence").GetString()!.Length, first.GetProperty("attributions").GetArrayLength());
        Assert.Equal(8, first.GetProperty("steps").GetInt32());
        Assert.True(first.TryGetProperty("completenessError", out _));
    }

    [Fact]
    public async Task Score_variants_reads_a_ProteinGym_file_and_reports_Spearman()
    {
        var dir = Path.Combine(Path.GetTempPath(), "bidora-cli", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var assay = Path.Combine(dir, "assay.csv");
        await File.WriteAllTextAsync(assay, "mutant,DMS_score\nK2R,0.1\nT3S,0.4\nA4G:Y5F,-0.3\nI6V,0.2\n");
        var output = Path.Combine(dir, "scores.csv");
        var (code, stdout, stderr) = await CliRunner.RunAsync("score-variants", "--model", FixtureModel, "--sequence", "MKTAYIAKQR",
            "--variants", assay, "--method", "masked", "--output", output, "--heatmap", Path.Combine(dir, "heatmap.csv"), "--device", "cpu");
        Assert.True(code == 0, stderr);
        Assert.Contains("Spearman ρ = ", stdout);
        var lines = File.ReadAllLines(output);
        Assert.Equal("mutant,score,DMS_score", lines[0]);
        Assert.Equal(["K2R", "T3S", "A4G:Y5F", "I6V"], lines.Skip(1).Select(l => l.Split(',')[0]));
        Assert.All(lines.Skip(1), l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture));
        Assert.Equal(1 + 20 * 10, File.ReadAllLines(Path.Combine(dir, "heatmap.csv")).Length);

        await File.WriteAllTextAsync(assay, "mutant,DMS_score\nK2R,0.1\nQ3S,0.4\n");
        (code, _, stderr) = await CliRunner.RunAsync("score-variants", "--model", FixtureModel, "--sequence", "MKTAYIAKQR",
            "--variants", assay, "--output", output, "--device", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("assay.csv, row 3, mutant: Variant 'Q3S': the wild type has 'T' at position 3, not 'Q'.", stderr);
    }
}
