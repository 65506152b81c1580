using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BiDoRA.Engine.Data;
using BiDoRA.Workbench.Services.Datasets;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Datasets;

public sealed class DatasetsApiTests : IAsyncLifetime
{
    private WorkbenchServer _server = null!;

    public async Task InitializeAsync() => _server = await WorkbenchServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task An_upload_is_stored_normalised_and_listed()
    {
        var dataset = await _server.ImportAsync("regression.tsv", Uploads.Fixture("regression.tsv"), new Dictionary<string, string> { ["name"] = "Stability", ["testFraction"] = "0.25" });
        Assert.Equal("Stability", dataset.Name);
        Assert.Equal("tsv", dataset.Format);
        Assert.Equal(TaskKind.Regression, dataset.Task);
        Assert.Equal((12, 9, 3), (dataset.Rows, dataset.TrainRows, dataset.TestRows));
        Assert.Equal(new DetectedColumns("seq", "target", null, null), dataset.SourceColumns);
        Assert.Equal(("sequence", "label"), (dataset.SequenceColumn, dataset.LabelColumn));

        var listed = Assert.Single(await _server.ListDatasetsAsync());
        Assert.Equal(dataset.Id, listed.Id);
        var stored = await File.ReadAllLinesAsync(Path.Combine(_server.DataDirectory, "datasets", dataset.Id + ".csv"));
        Assert.Equal("id,sequence,label,split", stored[0]);
        Assert.Equal(13, stored.Length);
    }

    [Fact]
    public async Task A_stored_dataset_trains_a_run_with_its_own_columns()
    {
        // The upload names its columns Peptide and Activity; the run reads the stored file.
        var dataset = await _server.ImportAsync("european_semicolon.csv", Uploads.Fixture("european_semicolon.csv"));
        var run = await _server.CreateRunAsync(dataset.Id);
        Assert.Equal(("sequence", "label", TaskKind.Binary), (run.Plan.SequenceColumn, run.Plan.LabelColumn, run.Plan.Task));
        var copy = DatasetImporter.Import(run.Plan.DatasetPath, new ImportOptions { SequenceColumn = "sequence", LabelColumn = "label", Task = TaskKind.Binary });
        Assert.True(copy.IsImportable, string.Join("; ", copy.Errors));
        Assert.Equal(dataset.ContentHash, copy.Dataset!.ContentHash);
    }

    [Fact]
    public async Task Rows_page_through_the_stored_dataset()
    {
        var dataset = await _server.ImportAsync("thermo.csv", Uploads.Sample("thermostability", "test.csv"), new Dictionary<string, string> { ["testFraction"] = "0" });
        var first = await _server.RowsAsync(dataset.Id, 0, 10);
        Assert.Equal((0, 562, 10), (first.Offset, first.Total, first.Rows.Count));
        Assert.Equal("row-2", first.Rows[0].Id);

        var all = new List<DatasetRow>();
        for (var offset = 0; offset < 562; offset += 100) all.AddRange((await _server.RowsAsync(dataset.Id, offset, 100)).Rows);
        Assert.Equal(Enumerable.Range(0, 562), all.Select(r => r.Index));
        var source = File.ReadAllLines(Path.Combine(TestPaths.Samples, "thermostability", "test.csv")).Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split(',')).Select(f => (Sequence: f[0].Length > 1022 ? f[0][..1022] : f[0], Label: f[1])).ToList();
        Assert.Equal(source, all.Select(r => (r.Sequence, r.Label)));

        var tail = await _server.RowsAsync(dataset.Id, 560, 100);
        Assert.Equal([560, 561], tail.Rows.Select(r => r.Index));
        Assert.Empty((await _server.RowsAsync(dataset.Id, 5000, 10)).Rows);
    }

    [Theory]
    [InlineData("offset=-1", "offset")]
    [InlineData("count=0", "count")]
    [InlineData("count=1001", "count")]
    public async Task Bad_row_windows_name_the_parameter(string query, string field)
    {
        var dataset = await _server.ImportAsync("multiclass.csv", Uploads.Fixture("multiclass.csv"));
        using var response = await _server.Http.GetAsync($"/api/datasets/{dataset.Id}/rows?{query}");
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Equal([field], problem.Fields);
    }

    [Fact]
    public async Task Statistics_count_splits_classes_lengths_and_residues()
    {
        var dataset = await _server.ImportAsync("with_split.csv", Uploads.Fixture("with_split.csv"));
        var statistics = (await _server.Http.GetFromJsonAsync<DatasetStatistics>($"/api/datasets/{dataset.Id}/statistics", WorkbenchClient.Json))!;
        Assert.Equal((6, 4, 2), (statistics.Rows, statistics.TrainRows, statistics.TestRows));
        Assert.Equal(new Dictionary<string, int> { ["0"] = 3, ["1"] = 3 }, statistics.ClassCounts);
        Assert.Equal(new Dictionary<string, int> { ["0"] = 1, ["1"] = 1 }, statistics.TestClassCounts);
        Assert.Equal(6, statistics.Lengths.Max);
        Assert.Equal(6, statistics.LengthHistogram.Counts.Sum());
        Assert.Equal(1.0, statistics.ResidueComposition.Values.Sum(), 9);
        Assert.Equal(5.0 / 36, statistics.ResidueComposition['A'], 9);
    }

    [Fact]
    public async Task Statistics_survive_a_restart()
    {
        var dataset = await _server.ImportAsync("regression.tsv", Uploads.Fixture("regression.tsv"));
        var before = await _server.Http.GetStringAsync($"/api/datasets/{dataset.Id}/statistics");
        _server = await _server.RestartAsync();
        Assert.Equal(before, await _server.Http.GetStringAsync($"/api/datasets/{dataset.Id}/statistics"));
        using var json = JsonDocument.Parse(before);
        Assert.Equal(12, json.RootElement.GetProperty("labelHistogram").GetProperty("counts").EnumerateArray().Sum(c => c.GetInt32()));
    }

    [Fact]
    public async Task Inspect_detects_and_reports_without_saving()
    {
        using var response = await _server.UploadAsync("/api/datasets/inspect", "european_semicolon.csv", Uploads.Fixture("european_semicolon.csv"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var inspection = (await response.Content.ReadFromJsonAsync<DatasetInspection>(WorkbenchClient.Json))!;
        Assert.Equal(["ID", "Peptide", "Activity"], inspection.Columns);
        Assert.Equal(new DetectedColumns("Peptide", "Activity", "ID", null), inspection.Detected);
        Assert.True(inspection.IsImportable);
        Assert.Equal(4, inspection.Rows);
        Assert.Equal(["ACDEFG", "KLMNPQ", "RSTVWY", "GGGGAA"], inspection.Preview.Select(r => r.Sequence));
        Assert.NotNull(inspection.Statistics);
        Assert.Empty(await _server.ListDatasetsAsync());
    }

    [Fact]
    public async Task Inspect_lists_the_columns_even_when_none_is_recognised()
    {
        var file = Uploads.Utf8("a,b,c\nACDEFGHIK,x,1\nKLMNPQRST,y,0\n");
        using var response = await _server.UploadAsync("/api/datasets/inspect", "odd.csv", file, new Dictionary<string, string> { ["labelColumn"] = "nope" });
        var inspection = (await response.Content.ReadFromJsonAsync<DatasetInspection>(WorkbenchClient.Json))!;
        Assert.False(inspection.IsImportable);
        Assert.Equal(["a", "b", "c"], inspection.Columns);
        var error = Assert.Single(inspection.Errors);
        Assert.Equal(("odd.csv", 1, "header"), (error.File, error.Row, error.Field));
        Assert.Contains("'nope' is not in the file", error.Message);

        // With the choices made, it imports.
        var dataset = await _server.ImportAsync("odd.csv", file, new Dictionary<string, string> { ["sequenceColumn"] = "a", ["labelColumn"] = "c", ["idColumn"] = "b", ["testFraction"] = "0" });
        Assert.Equal(["x", "y"], (await _server.RowsAsync(dataset.Id)).Rows.Select(r => r.Id));
    }

    [Fact]
    public async Task Overrides_choose_task_and_drop_bad_rows()
    {
        var multiclass = await _server.ImportAsync("regression.tsv", Uploads.Fixture("regression.tsv"), new Dictionary<string, string> { ["task"] = "multiclass" });
        Assert.Equal(TaskKind.Multiclass, multiclass.Task);
        Assert.Equal(12, multiclass.ClassNames!.Count);

        var dropped = await _server.ImportAsync("invalid_characters.csv", Uploads.Fixture("invalid_characters.csv"), new Dictionary<string, string> { ["dropInvalidRows"] = "true", ["task"] = "binary" });
        Assert.Equal(1, dropped.Rows);
        Assert.Contains(dropped.Warnings, w => w.StartsWith("invalid_characters.csv, row 3, sequence (position 3):", StringComparison.Ordinal) && w.EndsWith("(row dropped)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("task", "protein")]
    [InlineData("longSequences", "cut")]
    [InlineData("dropInvalidRows", "maybe")]
    [InlineData("testFraction", "1.5")]
    public async Task Bad_form_fields_are_named(string field, string value)
    {
        using var response = await _server.UploadDatasetAsync("multiclass.csv", Uploads.Fixture("multiclass.csv"), new Dictionary<string, string> { [field] = value });
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Equal([field], problem.Fields);
        Assert.Contains($"'{value}'", problem.Messages(field));
    }

    [Fact]
    public async Task A_deleted_dataset_is_gone_with_its_rows_and_runs_keep_their_copy()
    {
        var keep = await _server.ImportAsync("multiclass.csv", Uploads.Fixture("multiclass.csv"));
        var dataset = await _server.ImportAsync("with_split.csv", Uploads.Fixture("with_split.csv"));
        var run = await _server.CreateRunAsync(dataset.Id);

        using (var deleted = await _server.Http.DeleteAsync($"/api/datasets/{dataset.Id}")) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        foreach (var path in new[] { $"/api/datasets/{dataset.Id}", $"/api/datasets/{dataset.Id}/rows", $"/api/datasets/{dataset.Id}/statistics" })
        {
            using var response = await _server.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        using (var again = await _server.Http.DeleteAsync($"/api/datasets/{dataset.Id}")) Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.False(File.Exists(Path.Combine(_server.DataDirectory, "datasets", dataset.Id + ".csv")));
        Assert.True(File.Exists(run.Plan.DatasetPath));
        Assert.Equal([keep.Id], (await _server.ListDatasetsAsync()).Select(d => d.Id));
    }

    [Fact]
    public async Task Samples_are_listed_and_added_with_one_click()
    {
        var samples = (await _server.Http.GetFromJsonAsync<List<SampleInfo>>("/api/samples", WorkbenchClient.Json))!;
        Assert.Equal(["bbp", "thermostability", "mic"], samples.Select(s => s.Name));
        Assert.All(samples, s => Assert.True(s.Available));

        using var response = await _server.Http.PostAsync("/api/samples/bbp", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var dataset = (await response.Content.ReadFromJsonAsync<DatasetRecord>(WorkbenchClient.Json))!;
        Assert.Equal(("bbp", 236, 198, 38), (dataset.Sample, dataset.Rows, dataset.TrainRows, dataset.TestRows));
        Assert.Equal(new Dictionary<string, int> { ["0"] = 118, ["1"] = 118 }, dataset.ClassCounts);
        var rows = await _server.RowsAsync(dataset.Id, 198, 1000);
        Assert.All(rows.Rows, r => Assert.Equal("test", r.Split));

        var listed = (await _server.Http.GetFromJsonAsync<List<SampleInfo>>("/api/samples", WorkbenchClient.Json))!;
        Assert.Equal([dataset.Id], listed.Single(s => s.Name == "bbp").DatasetIds);

        using var unknown = await _server.Http.PostAsync("/api/samples/..%2Fbbp", null);
        var problem = await Problem.ReadAsync(unknown);
        Assert.Equal(HttpStatusCode.NotFound, problem.Status);
        Assert.Contains("bbp, thermostability, mic", problem.Messages("name"));
    }

    [Fact]
    public async Task The_openapi_document_lists_the_dataset_model_and_prediction_endpoints()
    {
        using var doc = JsonDocument.Parse(await _server.Http.GetStringAsync("/openapi/v1.json"));
        var paths = doc.RootElement.GetProperty("paths");
        foreach (var path in new[]
        {
            "/api/datasets", "/api/datasets/inspect", "/api/datasets/{id}", "/api/datasets/{id}/rows", "/api/datasets/{id}/statistics",
            "/api/samples", "/api/samples/{name}", "/api/models/{name}", "/api/models/{name}/download", "/api/models/{name}/download/cancel",
            "/api/runs/{id}/predict", "/api/runs/{id}/predict/file", "/api/predict", "/api/runs/{id}/adapter",
        })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"OpenAPI document lacks {path}");
        }
    }

    [Fact]
    public async Task Five_concurrent_uploads_all_succeed()
    {
        var files = new[] { "multiclass.csv", "regression.tsv", "with_split.csv", "european_semicolon.csv", "labels.fasta" };
        var uploads = files.Select(f => _server.ImportAsync(f, Uploads.Fixture(f)));
        var datasets = await Task.WhenAll(uploads);
        Assert.Equal(5, datasets.Select(d => d.Id).Distinct().Count());
        Assert.Equal(datasets.Select(d => d.Id).Order(), (await _server.ListDatasetsAsync()).Select(d => d.Id).Order());
        foreach (var d in datasets) Assert.Equal(d.Rows, (await _server.RowsAsync(d.Id)).Total);
    }
}
