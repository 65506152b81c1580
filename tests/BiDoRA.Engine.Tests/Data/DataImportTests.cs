using BiDoRA.Engine.Data;

namespace BiDoRA.Engine.Tests.Data;

/// <summary>Every format and every kind of problem the importer handles, on small files in tests/fixtures/data.</summary>
public sealed class DataImportTests
{
    private static string Fixture(string name) => Path.Combine(TestPaths.Fixtures, "data", name);

    private static string Temp(string extension) => Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + extension);

    private static ImportResult Import(string name, ImportOptions? options = null) => DatasetImporter.Import(Fixture(name), options);

    [Fact]
    public void European_semicolon_csv_with_bom_crlf_lower_case_and_stop_codon_imports()
    {
        var r = Import("european_semicolon.csv", new ImportOptions { TestFraction = 0 });
        Assert.True(r.IsImportable, string.Join("\n", r.Errors));
        Assert.Equal("csv", r.Format);
        Assert.Equal(new DetectedColumns("Peptide", "Activity", "ID", null), r.Detected);
        Assert.Equal(["ACDEFG", "KLMNPQ", "RSTVWY", "GGGGAA"], r.Dataset!.Records.Select(x => x.Sequence));
        Assert.Equal("p1", r.Dataset.Records[0].Id);
        Assert.Equal(TaskKind.Binary, r.Task);
    }

    [Fact]
    public void Quoted_fields_with_delimiters_and_quotes_import()
    {
        var r = Import("quoted.csv", new ImportOptions { TestFraction = 0 });
        Assert.True(r.IsImportable, string.Join("\n", r.Errors));
        Assert.Equal(4, r.Dataset!.Records.Count);
        Assert.Equal(["sequence", "label", "note"], r.Columns);
    }

    [Fact]
    public void Tsv_with_decimal_labels_is_regression()
    {
        var r = Import("regression.tsv");
        Assert.True(r.IsImportable, string.Join("\n", r.Errors));
        Assert.Equal("tsv", r.Format);
        Assert.Equal(TaskKind.Regression, r.Task);
        Assert.Equal(new DetectedColumns("seq", "target", null, null), r.Detected);
        Assert.Contains(r.Dataset!.Records, x => x.Sequence == "RSTVWY" && x.Label == 0.2);
        Assert.Equal(12, r.Dataset.Train.Count + r.Dataset.Test.Count);
        Assert.Equal(2, r.Dataset.Test.Count);  // 20 % of 12, rounded
    }

    [Fact]
    public void Fasta_labels_in_every_header_form_and_multi_line_sequences()
    {
        var r = Import("labels.fasta", new ImportOptions { TestFraction = 0 });
        Assert.True(r.IsImportable, string.Join("\n", r.Errors));
        Assert.Equal("fasta", r.Format);
        var records = r.Dataset!.Records;
        Assert.Equal(["pep1", "pep2", "sp|P26918|BLAB_AERHY", "sp|Q00001|TEST_HUMAN"], records.Select(x => x.Id));
        Assert.Equal(["1", "0", "1", "0"], records.Select(x => x.RawLabel));
        Assert.Equal("KLMNPQRS", records[1].Sequence);
        Assert.Equal("GGGGAAAA", records[3].Sequence);
        Assert.Equal([1.0, 0, 1, 0], records.Select(x => x.Label));
    }

    [Fact]
    public void Fasta_without_labels_is_refused_saying_how_to_write_them()
    {
        var r = Import("no_labels.fasta");
        Assert.False(r.IsImportable);
        var e = Assert.Single(r.Errors);
        Assert.Equal("label", e.Field);
        Assert.Contains("label=1", e.Message);
        Assert.True(DatasetImporter.Import(Fixture("no_labels.fasta"), new ImportOptions { LabelsOptional = true, TestFraction = 0 }).IsImportable);
    }

    [Fact]
    public void String_labels_with_three_values_are_multiclass_with_their_mapping()
    {
        var r = Import("multiclass.csv", new ImportOptions { TestFraction = 0 });
        Assert.True(r.IsImportable);
        Assert.Equal(TaskKind.Multiclass, r.Task);
        Assert.Equal(["cytoplasm", "membrane", "nucleus"], r.Dataset!.ClassNames);
        Assert.Equal(1, r.Dataset.Records[0].Label);
        var forced = Import("multiclass.csv", new ImportOptions { Task = TaskKind.Binary });
        Assert.False(forced.IsImportable);
        Assert.Contains("two classes", forced.Errors[0].Message);
    }

    [Fact]
    public void Non_numeric_regression_label_is_an_error_with_row_and_field()
    {
        var r = Import("regression_bad_label.csv", new ImportOptions { Task = TaskKind.Regression });
        Assert.False(r.IsImportable);
        var e = Assert.Single(r.Errors);
        Assert.Equal((3, "value"), (e.Row, e.Field));
        Assert.Contains("'high' is not a number", e.Message);
    }

    [Fact]
    public void Invalid_characters_are_reported_with_their_position()
    {
        var r = Import("invalid_characters.csv");
        Assert.Equal(2, r.Errors.Count);
        Assert.Equal(("invalid_characters.csv", 3, "sequence", 3), (r.Errors[0].File, r.Errors[0].Row, r.Errors[0].Field, r.Errors[0].Position));
        Assert.Contains("'1'", r.Errors[0].Message);
        Assert.Contains("2 such characters", r.Errors[0].Message);     // the 1 and the J
        Assert.Equal((4, 3), (r.Errors[1].Row, r.Errors[1].Position)); // the gap '-'
    }

    [Fact]
    public void Dropping_invalid_rows_imports_the_rest_and_reports_them_as_warnings()
    {
        var r = Import("invalid_characters.csv", new ImportOptions { DropInvalidRows = true, TestFraction = 0 });
        Assert.True(r.IsImportable);
        Assert.Single(r.Dataset!.Records);
        Assert.Equal(2, r.Warnings.Count(w => w.Message.Contains("row dropped")));
    }

    [Fact]
    public void Empty_file_and_header_only_are_refused()
    {
        Assert.Contains("empty", Assert.Single(Import("empty.csv").Errors).Message);
        var headerOnly = Assert.Single(Import("header_only.csv").Errors);
        Assert.Contains("no data rows", headerOnly.Message);
    }

    [Fact]
    public void Missing_sequence_and_label_are_each_located()
    {
        var r = Import("missing_values.csv");
        Assert.Contains(r.Errors, e => e is { Row: 3, Field: "sequence" } && e.Message.Contains("empty"));
        Assert.Contains(r.Errors, e => e is { Row: 4, Field: "label" } && e.Message.Contains("missing"));
    }

    [Fact]
    public void Duplicates_are_reported_and_conflicting_labels_are_errors()
    {
        var r = Import("duplicates.csv");
        Assert.Contains(r.Warnings, w => w.Row == 3 && w.Message.Contains("Duplicate of the sequence in row 2"));
        var e = Assert.Single(r.Errors);
        Assert.Equal(5, e.Row);
        Assert.Contains("row 4", e.Message);
    }

    [Fact]
    public void Split_column_is_honoured_and_validation_counts_as_test()
    {
        var r = Import("with_split.csv");
        Assert.True(r.IsImportable);
        Assert.Equal("split", r.Detected!.Split);
        Assert.Equal(["RSTVWY", "GGGGAA"], r.Dataset!.Test.Select(x => x.Sequence));
        Assert.Equal(4, r.Dataset.Train.Count);
    }

    [Fact]
    public void Long_sequences_are_truncated_with_a_warning_or_refused()
    {
        var path = Temp(".csv");
        File.WriteAllText(path, $"sequence,label\n{new string('A', 1100)},1\nKLMNPQ,0\n");
        var truncated = DatasetImporter.Import(path, new ImportOptions { TestFraction = 0 });
        Assert.True(truncated.IsImportable);
        Assert.Equal(1022, truncated.Dataset!.Records[0].Sequence.Length);
        Assert.Contains(truncated.Warnings, w => w.Row == 2 && w.Message.Contains("1100 residues"));
        var refused = DatasetImporter.Import(path, new ImportOptions { LongSequences = LongSequencePolicy.Refuse });
        Assert.Contains(refused.Errors, e => e.Row == 2 && e.Message.Contains("longer than the model takes"));
    }

    [Fact]
    public void A_sequence_of_100000_residues_is_handled()
    {
        var path = Temp(".csv");
        File.WriteAllText(path, $"sequence,label\n{new string('K', 100_000)},1\nACDE,0\n");
        var r = DatasetImporter.Import(path, new ImportOptions { LongSequences = LongSequencePolicy.Refuse });
        Assert.Contains(r.Errors, e => e.Message.Contains("100000 residues"));
    }

    [Fact]
    public void Random_bytes_named_csv_are_refused_as_not_text()
    {
        var path = Temp(".csv");
        var bytes = new byte[4096];
        new Random(3).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Single(DatasetImporter.Import(path).Errors);
        Assert.Contains("not a text file", e.Message);
    }

    [Fact]
    public void Excel_first_or_named_sheet_imports()
    {
        var path = Temp(".xlsx");
        XlsxBuilder.Write(path,
            ("Notes", [["just notes"]]),
            ("Peptides", [["peptide", "label"], ["ACDEFG", "1"], ["klmnpq", "0"], ["RSTVWY", "1"], ["GGGGAA", "0"]]));
        var first = DatasetImporter.Import(path);
        Assert.False(first.IsImportable);   // the first sheet has no sequences
        var named = DatasetImporter.Import(path, new ImportOptions { Sheet = "Peptides", TestFraction = 0 });
        Assert.True(named.IsImportable, string.Join("\n", named.Errors));
        Assert.Equal("xlsx", named.Format);
        Assert.Equal("KLMNPQ", named.Dataset!.Records[1].Sequence);
        Assert.Equal([1.0, 0, 1, 0], named.Dataset.Records.Select(x => x.Label));
        var missing = DatasetImporter.Import(path, new ImportOptions { Sheet = "Nope" });
        Assert.Contains("Sheets: Notes, Peptides", Assert.Single(missing.Errors).Message);
    }

    [Fact]
    public void Xlsx_zip_bomb_is_refused_before_inflating()
    {
        var path = Temp(".xlsx");
        XlsxBuilder.WriteBomb(path, 64L * 1024 * 1024);
        Assert.True(new FileInfo(path).Length < 1024 * 1024);
        var e = Assert.Single(DatasetImporter.Import(path).Errors);
        Assert.Contains("zip bomb", e.Message);
    }

    [Fact]
    public void A_column_the_user_names_must_exist()
    {
        var r = Import("quoted.csv", new ImportOptions { LabelColumn = "activity" });
        var e = Assert.Single(r.Errors);
        Assert.Contains("'activity' is not in the file", e.Message);
        Assert.Contains("'note'", e.Message);
    }

    [Fact]
    public void User_overrides_pick_columns_and_task()
    {
        var r = Import("quoted.csv", new ImportOptions { SequenceColumn = "sequence", LabelColumn = "label", Task = TaskKind.Regression, TestFraction = 0 });
        Assert.True(r.IsImportable);
        Assert.Equal(TaskKind.Regression, r.Task);
    }

    [Fact]
    public void Normalised_dataset_round_trips_through_the_writer()
    {
        var r = Import("multiclass.csv");
        var path = Temp(".csv");
        DatasetWriter.WriteCsv(r.Dataset!, path);
        var again = DatasetImporter.Import(path).Dataset!;
        Assert.Equal(r.Dataset!.ContentHash, again.ContentHash);
        Assert.Equal(r.Dataset.ClassNames, again.ClassNames);
    }

    [Fact]
    public void Stratified_split_is_seeded_and_keeps_class_balance()
    {
        var sample = SampleDatasets.Find("bbp")!;
        var train = DatasetImporter.ImportPair(sample.TrainPath(TestPaths.Samples), sample.TestPath(TestPaths.Samples)).Dataset!.Train;
        var (a, b) = DatasetSplitter.Split(train, 0.2, seed: 5, stratify: true);
        var (a2, b2) = DatasetSplitter.Split(train, 0.2, seed: 5, stratify: true);
        Assert.Equal(b.Select(x => x.Id), b2.Select(x => x.Id));
        Assert.Equal(40, b.Count);
        Assert.Equal(20, b.Count(x => x.Label == 1));
        Assert.Equal(158, a.Count);
        Assert.NotEqual(b.Select(x => x.Id), DatasetSplitter.Split(train, 0.2, seed: 6, stratify: true).Second.Select(x => x.Id));
    }

    [Fact]
    public void Length_bucketing_cuts_padding_and_covers_every_row_once()
    {
        var sample = SampleDatasets.Find("mic")!;
        var lengths = DatasetImporter.ImportPair(sample.TrainPath(TestPaths.Samples), sample.TestPath(TestPaths.Samples)).Dataset!.Train.Select(r => r.Sequence.Length).ToList();
        var bucketed = LengthBucketedBatcher.Batches(lengths, 16, seed: 1, epoch: 0);
        Assert.Equal(Enumerable.Range(0, lengths.Count), bucketed.SelectMany(b => b).Order());
        var random = Enumerable.Range(0, lengths.Count).Chunk(16).ToList();
        var bucketedPadding = LengthBucketedBatcher.PaddingFraction(lengths, bucketed);
        var randomPadding = LengthBucketedBatcher.PaddingFraction(lengths, random);
        Assert.True(bucketedPadding < randomPadding / 3, $"bucketed {bucketedPadding:P1} vs in file order {randomPadding:P1}");
        Assert.Equal(bucketed.Select(b => b.ToArray()), LengthBucketedBatcher.Batches(lengths, 16, seed: 1, epoch: 0));
        Assert.NotEqual(bucketed[0], LengthBucketedBatcher.Batches(lengths, 16, seed: 1, epoch: 1)[0]);
    }

    [Fact]
    public void Errors_are_capped_with_the_rest_counted()
    {
        var path = Temp(".csv");
        File.WriteAllText(path, "sequence,label\n" + string.Concat(Enumerable.Range(0, 500).Select(i => $"AC{i}DE,1\n")));
        var r = DatasetImporter.Import(path, new ImportOptions { MaxReportedIssues = 300 });
        Assert.Equal(300, r.Errors.Count);
        Assert.Equal(200, r.ErrorsNotShown);
    }
}
