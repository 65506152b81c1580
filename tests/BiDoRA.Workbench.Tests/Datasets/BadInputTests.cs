using System.Net;
using System.Text;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Tests.Data;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Datasets;

/// <summary>
/// Issue 8: every bad upload is refused with problem details that name the file, the row and the field (the exact
/// texts are in docs/bad-input.md), nothing is stored, saved data is untouched, and the server keeps serving.
/// Messy but usable files are accepted.
/// </summary>
public sealed class BadInputTests(BadInputServer fixture) : IClassFixture<BadInputServer>
{
    private WorkbenchServer Server => fixture.Server;

    private async Task<Problem> RefusedAsync(string fileName, byte[] content, HttpStatusCode status, IReadOnlyDictionary<string, string>? fields = null)
    {
        var before = fixture.DatasetCount;
        using var response = await Server.UploadDatasetAsync(fileName, content, fields);
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(status, problem.Status);
        Assert.Equal("application/problem+json", problem.ContentType);
        Assert.Equal(before, fixture.DatasetCount);
        await fixture.AssertSavedDataIntactAsync();
        return problem;
    }

    [Fact]
    public async Task Empty_file()
    {
        var problem = await RefusedAsync("empty.csv", Uploads.Fixture("empty.csv"), HttpStatusCode.BadRequest);
        Assert.Equal("'empty.csv' is empty.", problem.Messages("file"));
    }

    [Fact]
    public async Task Blank_file()
    {
        var problem = await RefusedAsync("blank.csv", Uploads.Utf8("\n\n  \r\n"), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("blank.csv, file: The file is empty.", problem.Messages("file"));
    }

    [Fact]
    public async Task Header_only()
    {
        var problem = await RefusedAsync("header_only.csv", Uploads.Fixture("header_only.csv"), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("header_only.csv, row 1, file: The file has a header but no data rows.", problem.Messages("file"));
        Assert.StartsWith("header_only.csv was not imported: 1 problem; nothing was saved.", problem.Body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Invalid_characters_with_their_position()
    {
        var problem = await RefusedAsync("invalid_characters.csv", Uploads.Fixture("invalid_characters.csv"), HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["sequence"], problem.Fields);
        Assert.Equal(
            "invalid_characters.csv, row 3, sequence (position 3): '1' is not an amino-acid letter (2 such characters). Allowed: ACDEFGHIKLMNPQRSTVWYXBUZO. " +
            "invalid_characters.csv, row 4, sequence (position 3): '-' is not an amino-acid letter. Allowed: ACDEFGHIKLMNPQRSTVWYXBUZO.",
            problem.Messages("sequence"));
        var issue = problem.Body.GetProperty("issues")[0];
        Assert.Equal(("invalid_characters.csv", 3, "sequence", 3),
            (issue.GetProperty("file").GetString(), issue.GetProperty("row").GetInt32(), issue.GetProperty("field").GetString(), issue.GetProperty("position").GetInt32()));
    }

    [Fact]
    public async Task Missing_labels_and_sequences()
    {
        var problem = await RefusedAsync("missing_values.csv", Uploads.Fixture("missing_values.csv"), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("missing_values.csv, row 3, sequence: The sequence is empty.", problem.Messages("sequence"));
        Assert.Equal("missing_values.csv, row 4, label: The label is missing.", problem.Messages("label"));
    }

    [Fact]
    public async Task Non_numeric_regression_labels()
    {
        var problem = await RefusedAsync("regression_bad_label.csv", Uploads.Fixture("regression_bad_label.csv"), HttpStatusCode.UnprocessableEntity,
            new Dictionary<string, string> { ["task"] = "regression" });
        Assert.Equal("regression_bad_label.csv, row 3, value: 'high' is not a number; a regression label must be numeric.", problem.Messages("value"));
    }

    [Fact]
    public async Task Random_bytes_named_csv()
    {
        var bytes = new byte[8192];
        new Random(8).NextBytes(bytes);
        var problem = await RefusedAsync("random.csv", bytes, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("random.csv, file: This is not a text file (it holds binary bytes). Upload CSV, TSV, FASTA or .xlsx.", problem.Messages("file"));
    }

    [Fact]
    public async Task An_upload_over_the_size_limit()
    {
        var line = "ACDEFGHIKLMNPQRSTVWY,1\n";
        var big = Uploads.Utf8("sequence,label\n" + string.Concat(Enumerable.Repeat(line, (int)(BadInputServer.MaxUploadBytes / line.Length) + 100)));
        var problem = await RefusedAsync("big.csv", big, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal($"The upload is {big.Length / 1024.0:0.#} KB; the limit is 512 KB (Workbench:MaxUploadBytes).", problem.Messages("file"));
    }

    [Fact]
    public async Task An_upload_far_over_the_size_limit_is_stopped_before_it_is_read()
    {
        var huge = new byte[3 * 1024 * 1024];
        huge.AsSpan().Fill((byte)'A');
        var problem = await RefusedAsync("huge.csv", huge, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("the limit is 512 KB (Workbench:MaxUploadBytes)", problem.Messages("file"));
    }

    [Fact]
    public async Task An_xlsx_zip_bomb()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bomb-{Guid.NewGuid():N}.xlsx");
        try
        {
            XlsxBuilder.WriteBomb(path, 64L * 1024 * 1024);
            var problem = await RefusedAsync("bomb.xlsx", await File.ReadAllBytesAsync(path), HttpStatusCode.UnprocessableEntity);
            Assert.Matches(@"^bomb\.xlsx, file: bomb\.xlsx: part 'xl/worksheets/sheet1\.xml' expands \d+-fold \(67,108,864 bytes\); refused as a possible zip bomb\.$", problem.Messages("file"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_file_named_xlsx_that_is_not_a_workbook()
    {
        var problem = await RefusedAsync("table.xlsx", Uploads.Fixture("multiclass.csv"), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("table.xlsx, file: The file is named .xlsx but is not an Excel workbook.", problem.Messages("file"));
    }

    [Fact]
    public async Task A_sequence_of_100000_residues_is_refused_when_asked()
    {
        var file = Uploads.Utf8($"sequence,label\n{new string('K', 100_000)},1\nACDEFG,0\nKLMNPQ,1\n");
        var problem = await RefusedAsync("long.csv", file, HttpStatusCode.UnprocessableEntity, new Dictionary<string, string> { ["longSequences"] = "refuse" });
        Assert.Equal("long.csv, row 2, sequence: 100000 residues is longer than the model takes (1022).", problem.Messages("sequence"));
    }

    [Fact]
    public async Task A_sequence_of_100000_residues_is_truncated_by_default_with_a_warning()
    {
        var file = Uploads.Utf8($"sequence,label\n{new string('K', 100_000)},1\nACDEFG,0\nKLMNPQ,1\n");
        var dataset = await Server.ImportAsync("long.csv", file, new Dictionary<string, string> { ["testFraction"] = "0" });
        Assert.Equal(["long.csv, row 2, sequence: 100000 residues: truncated to the first 1022."], dataset.Warnings);
        Assert.Equal(1022, dataset.MaxLength);
        Assert.Equal(new string('K', 1022), (await Server.RowsAsync(dataset.Id, 0, 1)).Rows[0].Sequence);
        await fixture.AssertSavedDataIntactAsync();
    }

    [Fact]
    public async Task A_fasta_without_labels()
    {
        var problem = await RefusedAsync("no_labels.fasta", Uploads.Fixture("no_labels.fasta"), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("no_labels.fasta, row 1, label: The FASTA headers carry no labels: write them as >id|label=1, >id label=1 or as the last |-separated field.", problem.Messages("label"));
    }

    [Fact]
    public async Task A_column_that_is_not_in_the_file()
    {
        var problem = await RefusedAsync("quoted.csv", Uploads.Fixture("quoted.csv"), HttpStatusCode.UnprocessableEntity, new Dictionary<string, string> { ["labelColumn"] = "activity" });
        Assert.Equal("quoted.csv, row 1, header: The label column 'activity' is not in the file. Columns found: 'sequence', 'label', 'note'.", problem.Messages("header"));
    }

    [Fact]
    public async Task Many_bad_rows_are_listed_up_to_the_cap_and_counted_beyond()
    {
        var file = Uploads.Utf8("sequence,label\n" + string.Concat(Enumerable.Range(0, 400).Select(i => $"ACD{i}EF,{i % 2}\n")));
        var problem = await RefusedAsync("numbers.csv", file, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(300, problem.Body.GetProperty("issues").GetArrayLength());
        Assert.Equal(100, problem.Body.GetProperty("issuesNotShown").GetInt32());
        Assert.StartsWith("numbers.csv was not imported: 400 problems (300 listed, 100 more not listed); nothing was saved.", problem.Body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Bom_and_crlf_are_accepted()
    {
        var file = Encoding.UTF8.GetPreamble().Concat(Uploads.Utf8("sequence,label\r\nACDEFG,1\r\nKLMNPQ,0\r\nRSTVWY,1\r\nGGGGAA,0\r\n")).ToArray();
        var dataset = await Server.ImportAsync("windows.csv", file, new Dictionary<string, string> { ["testFraction"] = "0" });
        Assert.Equal(["sequence", "label"], dataset.Columns);
        Assert.Equal(["ACDEFG", "KLMNPQ", "RSTVWY", "GGGGAA"], (await Server.RowsAsync(dataset.Id)).Rows.Select(r => r.Sequence));
        Assert.Equal(["1", "0", "1", "0"], (await Server.RowsAsync(dataset.Id)).Rows.Select(r => r.Label));
        await fixture.AssertSavedDataIntactAsync();
    }

    [Fact]
    public async Task Lower_case_and_stray_whitespace_are_normalised()
    {
        var file = Uploads.Utf8("sequence,label\n  acd efg ,1\nklm\tnpq*,0\n Rstv wy , 1 \ngggg aa,0\n");
        var dataset = await Server.ImportAsync("messy.csv", file, new Dictionary<string, string> { ["testFraction"] = "0" });
        var rows = (await Server.RowsAsync(dataset.Id)).Rows;
        Assert.Equal(["ACDEFG", "KLMNPQ", "RSTVWY", "GGGGAA"], rows.Select(r => r.Sequence));
        Assert.Equal(["1", "0", "1", "0"], rows.Select(r => r.Label));
        Assert.Equal(TaskKind.Binary, dataset.Task);
    }

    [Fact]
    public async Task Semicolon_separated_is_accepted()
    {
        var dataset = await Server.ImportAsync("european_semicolon.csv", Uploads.Fixture("european_semicolon.csv"));
        Assert.Equal(new DetectedColumns("Peptide", "Activity", "ID", null), dataset.SourceColumns);
        Assert.Equal(4, dataset.Rows);
        Assert.Equal(["p1", "p2", "p3", "p4"], (await Server.RowsAsync(dataset.Id)).Rows.Select(r => r.Id).Order());
    }

    [Fact]
    public async Task Three_classes_are_a_multiclass_task()
    {
        var dataset = await Server.ImportAsync("multiclass.csv", Uploads.Fixture("multiclass.csv"));
        Assert.Equal(TaskKind.Multiclass, dataset.Task);
        Assert.Equal(["cytoplasm", "membrane", "nucleus"], dataset.ClassNames);
        Assert.Equal(new Dictionary<string, int> { ["cytoplasm"] = 2, ["membrane"] = 2, ["nucleus"] = 2 }, dataset.ClassCounts);
    }
}
