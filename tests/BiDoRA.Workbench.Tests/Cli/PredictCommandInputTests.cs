using BiDoRA.Engine.Tests.Data;

namespace BiDoRA.Workbench.Tests.Cli;

/// <summary>
/// <c>bidora predict</c> takes every file the Predict page takes (one engine reader behind both): FASTA, plain lines,
/// CSV, TSV and semicolon CSV, .xlsx, and the column names the page knows (peptide, seq, protein, ...).
/// </summary>
public sealed class PredictCommandInputTests(PredictCommandInputTests.TrainedRun run) : IClassFixture<PredictCommandInputTests.TrainedRun>
{
    private static readonly string[] Peptides = ["GLFDIVKKVV", "KWKLFKKIEK", "ACDEFGHIKL"];

    /// <summary>One short run for all the formats.</summary>
    public sealed class TrainedRun : IAsyncLifetime
    {
        public string Folder { get; } = Path.Combine(Path.GetTempPath(), "bidora-cli", Guid.NewGuid().ToString("N"));

        public async Task InitializeAsync()
        {
            var samples = Path.Combine(TestPaths.RepoRoot, "wwwroot-assets", "samples", "bbp");
            var (code, _, stderr) = await CliRunner.RunAsync("train", "--dataset", Path.Combine(samples, "train.csv"), "--test-file", Path.Combine(samples, "test.csv"),
                "--model", "tiny", "--method", "lora", "--steps", "2", "--batch-size", "8", "--device", "cpu", "--out", Folder);
            Assert.True(code == 0, stderr);
        }

        public Task DisposeAsync() => Task.CompletedTask;
    }

    public static TheoryData<string, string> TextFormats => new()
    {
        { "fasta", ">a first peptide\nGLFDIVKKVV\n>b\nKWKLF\nKKIEK\n>c\nACDEFGHIKL\n" },
        { "txt", "sequence\nGLFDIVKKVV\nKWKLFKKIEK\n\nACDEFGHIKL\n" },
        { "csv", "id,label,peptide\na,1,GLFDIVKKVV\nb,0,KWKLFKKIEK\nc,1,ACDEFGHIKL\n" },
        { "tsv", "Name\tSeq\na\tGLFDIVKKVV\nb\tKWKLFKKIEK\nc\tACDEFGHIKL\n" },
        { "csv", "accession;Protein;MIC\na;GLFDIVKKVV;4\nb;KWKLFKKIEK;8\nc;ACDEFGHIKL;1.5\n" },
    };

    [Theory]
    [MemberData(nameof(TextFormats))]
    public async Task A_text_file_the_predict_page_takes_is_predicted_row_by_row(string extension, string content)
    {
        var input = Path.Combine(Path.GetTempPath(), $"predict-{Guid.NewGuid():N}.{extension}");
        await File.WriteAllTextAsync(input, content);
        await AssertPredictedAsync(input, extension is "csv" or "tsv" or "fasta" ? ["a", "b", "c"] : ["seq1", "seq2", "seq3"]);
    }

    [Fact]
    public async Task An_excel_workbook_is_predicted_from_its_first_sheet()
    {
        var input = Path.Combine(Path.GetTempPath(), $"predict-{Guid.NewGuid():N}.xlsx");
        XlsxBuilder.Write(input, ("Peptides", [["Name", "Peptide", "MIC"], ["a", Peptides[0], "4"], ["b", Peptides[1], "8"], ["c", Peptides[2], "1.5"]]), ("Other", [["sequence"], ["WWWW"]]));
        await AssertPredictedAsync(input, ["a", "b", "c"]);
    }

    [Fact]
    public async Task A_bad_residue_in_a_workbook_is_named_by_file_row_column_and_position()
    {
        var input = Path.Combine(Path.GetTempPath(), $"predict-{Guid.NewGuid():N}.xlsx");
        XlsxBuilder.Write(input, ("Peptides", [["id", "peptide"], ["a", Peptides[0]], ["b", "KW1LF"]]));
        var output = Path.Combine(run.Folder, $"{Guid.NewGuid():N}.csv");
        var (code, _, stderr) = await CliRunner.RunAsync("predict", "--run", run.Folder, "--input", input, "--output", output, "--device", "cpu");
        Assert.Equal(1, code);
        Assert.Contains($"{input}, row 3 (id 'b'), column 'peptide' (position 3): '1' is not an amino-acid letter", stderr);
        Assert.False(File.Exists(output), "nothing is written when an input is bad");
    }

    private async Task AssertPredictedAsync(string input, string[] ids)
    {
        var output = Path.Combine(run.Folder, $"{Guid.NewGuid():N}.csv");
        var (code, stdout, stderr) = await CliRunner.RunAsync("predict", "--run", run.Folder, "--input", input, "--output", output, "--device", "cpu");
        Assert.True(code == 0, stderr);
        Assert.Contains("Wrote 3 predictions", stdout);
        var lines = File.ReadAllLines(output);
        Assert.Equal("id,sequence,predicted,p_0,p_1", lines[0]);
        Assert.Equal(ids.Zip(Peptides, (id, sequence) => $"{id},{sequence}"), lines.Skip(1).Select(l => string.Join(',', l.Split(',').Take(2))));
        Assert.All(lines.Skip(1), l => Assert.Equal(1.0, l.Split(',').Skip(3).Sum(p => double.Parse(p, System.Globalization.CultureInfo.InvariantCulture)), 9));
    }
}
