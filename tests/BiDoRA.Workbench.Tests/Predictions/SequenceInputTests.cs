using BiDoRA.Engine.Data;
using BiDoRA.Workbench.Services.Predictions;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Predictions;

/// <summary>Validation as you type, and reading pasted text and uploaded files for prediction.</summary>
public sealed class SequenceInputTests
{
    [Fact]
    public void Validation_gives_residue_positions_and_offsets_in_the_typed_text()
    {
        var check = PredictionService.Validate("acd ef1\nGH2*");
        Assert.False(check.IsValid);
        Assert.Equal(9, check.Length);
        Assert.Equal([new InvalidResidue(6, 6, '1'), new InvalidResidue(9, 10, '2')], check.Invalid);
        Assert.Equal("Position 6: '1' is not an amino-acid letter (2 such characters). Allowed: ACDEFGHIKLMNPQRSTVWYXBUZO.", check.Message);

        Assert.True(PredictionService.Validate(" mkv lla* ").IsValid);
        Assert.Equal("The sequence is empty.", PredictionService.Validate("  * ").Message);
        Assert.True(PredictionService.Validate(new string('A', 1100)).Truncated);
    }

    [Fact]
    public void Pasted_fasta_keeps_ids_and_joins_lines()
    {
        var parsed = SequenceFileReader.ReadText("\n>sp|P1|ONE first protein\nMKV\nLLA\n\n>two\nACDE\n", 100);
        Assert.True(parsed.IsValid);
        Assert.Equal([("sp|P1|ONE", "MKVLLA", "line 2"), ("two", "ACDE", "line 6")], parsed.Sequences.Select(s => (s.Id, s.Sequence, s.Location)));
    }

    [Fact]
    public void Pasted_lines_are_one_sequence_each_and_a_header_word_is_skipped()
    {
        var parsed = SequenceFileReader.ReadText("sequence\nMKVLLA\n\nACDE\n", 100);
        Assert.Equal([("seq1", "MKVLLA", "line 2"), ("seq2", "ACDE", "line 4")], parsed.Sequences.Select(s => (s.Id, s.Sequence, s.Location)));
    }

    [Fact]
    public void Problems_in_pasted_text_name_line_and_position()
    {
        var parsed = SequenceFileReader.ReadText(">a\nMKV\n>b\n>c\nAC#E\n", 100);
        Assert.False(parsed.IsValid);
        Assert.Equal(
            ["line 3 (id 'b'), sequence: FASTA record 'b' has no sequence under its header.", "line 4 (id 'c'), sequence (position 3): '#' is not an amino-acid letter. Allowed: ACDEFGHIKLMNPQRSTVWYXBUZO."],
            parsed.Issues.Select(i => i.ToString()));
        Assert.Equal([1, 2], parsed.Issues.Select(i => i.Index));
    }

    [Fact]
    public void Nothing_pasted_is_a_problem()
    {
        var parsed = SequenceFileReader.ReadText("  \n", 100);
        Assert.False(parsed.IsValid);
        Assert.StartsWith("No sequences found", Assert.Single(parsed.Issues).Message);
    }

    [Fact]
    public void More_than_the_limit_stops_reading()
    {
        var parsed = SequenceFileReader.ReadText(string.Join("\n", Enumerable.Repeat("ACDE", 11)), 10);
        Assert.True(parsed.TooMany);
        Assert.Equal(10, parsed.Sequences.Count);
    }

    [Fact]
    public void A_csv_file_uses_its_sequence_and_id_columns_keeps_duplicates_and_ignores_labels()
    {
        using var file = new MemoryStream(Uploads.Utf8("Name;Peptide;MIC\np1;ACDE;high\np2;ACDE;\n;;\np3; mk v ;1.5\n"));
        var parsed = SequenceFileReader.Read(file, "mine.csv", 100);
        Assert.True(parsed.IsValid, string.Join("; ", parsed.Issues));
        Assert.Equal([("p1", "ACDE", "mine.csv, row 2"), ("p2", "ACDE", "mine.csv, row 3"), ("p3", "mk v", "mine.csv, row 5")], parsed.Sequences.Select(s => (s.Id, s.Sequence, s.Location)));
    }

    [Fact]
    public void A_csv_without_a_sequence_column_lists_its_columns()
    {
        using var file = new MemoryStream(Uploads.Utf8("a,b\nACDE,1\n"));
        var issue = Assert.Single(SequenceFileReader.Read(file, "mine.csv", 100).Issues);
        Assert.Equal("mine.csv, row 1, header: No sequence column: name one 'sequence' (or seq, peptide, protein). Columns found: 'a', 'b'.", issue.ToString());
    }

    [Fact]
    public void A_tsv_and_a_fasta_file_read_too()
    {
        using var tsv = new MemoryStream(Uploads.Utf8("id\tsequence\nx\tMKV\n"));
        Assert.Equal(["MKV"], SequenceFileReader.Read(tsv, "a.tsv", 10).Sequences.Select(s => s.Sequence));
        using var fasta = new MemoryStream(Uploads.Fixture("no_labels.fasta"));
        Assert.Equal(["pep1", "pep2"], SequenceFileReader.Read(fasta, "x.fasta", 10).Sequences.Select(s => s.Id));
    }

    [Fact]
    public void An_excel_workbook_uses_the_sequence_and_id_columns_of_its_first_sheet_and_names_rows_as_excel_does()
    {
        var path = Path.Combine(Path.GetTempPath(), $"predict-{Guid.NewGuid():N}.xlsx");
        try
        {
            BiDoRA.Engine.Tests.Data.XlsxBuilder.Write(path,
                ("Peptides", [["Name", "Peptide", "MIC"], ["p1", "ACDE", "4"], ["p2", "", "8"], ["p3", "mkv", "1.5"]]),
                ("Other", [["sequence"], ["WWWW"]]));
            using var file = File.OpenRead(path);
            var parsed = SequenceFileReader.Read(file, "mine.xlsx", 100);
            // Every row stays an input (one prediction per row), and the empty one is an issue naming its row.
            Assert.Equal([("p1", "ACDE", "mine.xlsx, row 2"), ("p2", "", "mine.xlsx, row 3"), ("p3", "mkv", "mine.xlsx, row 4")], parsed.Sequences.Select(s => (s.Id, s.Sequence, s.Location)));
            var issue = Assert.Single(parsed.Issues);
            Assert.Equal("mine.xlsx, row 3 (id 'p2'), sequence: The sequence (column 'Peptide') is empty.", issue.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void An_excel_zip_bomb_is_refused_before_it_is_inflated()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bomb-{Guid.NewGuid():N}.xlsx");
        try
        {
            BiDoRA.Engine.Tests.Data.XlsxBuilder.WriteBomb(path, 64L * 1024 * 1024);
            using var file = File.OpenRead(path);
            var issue = Assert.Single(SequenceFileReader.Read(file, "bomb.xlsx", 100).Issues);
            Assert.Equal(("bomb.xlsx", "file"), (issue.Location, issue.Field));
            Assert.Contains("refused as a possible zip bomb", issue.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("PK\u0003\u0004rest", "not a valid .xlsx file")]
    [InlineData("AC\0DE", "not a text file")]
    public void Binary_and_spreadsheet_files_are_refused_with_what_to_do(string content, string message)
    {
        using var file = new MemoryStream(System.Text.Encoding.Latin1.GetBytes(content));
        var issue = Assert.Single(SequenceFileReader.Read(file, "in.csv", 10).Issues);
        Assert.Equal(("in.csv", "file"), (issue.Location, issue.Field));
        Assert.Contains(message, issue.Message);
    }
}
