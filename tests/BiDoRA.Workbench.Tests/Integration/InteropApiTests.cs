using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Integration;

/// <summary>
/// Through HTTP with the real trainer: a completed run downloads as a PEFT or merged zip, each unzipped export is
/// imported as a trained model and predicts as the run does, and hand-made PEFT adapters import or are refused with
/// the field at fault.
/// </summary>
[Collection(nameof(RealTrainingCollection))]
public sealed class InteropApiTests : IAsyncLifetime
{
    private static readonly string[] Sequences = ["GLFDIVKKVVGALGSL", "KWKLFKKIEKVGQNIR", "MKTAYIAKQRQISFVKSHFSRQ"];
    private WorkbenchServer _server = null!;
    private RunRecord _run = null!;

    public async Task InitializeAsync()
    {
        _server = await WorkbenchServer.StartWithTrainerAsync();
        var dataset = await _server.ImportAsync("bbp-train.csv", Uploads.Sample("bbp", "train.csv"), new Dictionary<string, string> { ["name"] = "BBP upload" });
        var created = await _server.CreateRunAsync(dataset.Id, new { model = "tiny", method = "dora", steps = 4, batchSize = 8, evalEvery = 2, device = "cpu" });
        _run = await _server.WaitForStatusAsync(created.Id, RunStatus.Completed, TimeSpan.FromMinutes(3));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Exports_download_import_as_trained_models_and_predict_as_the_run()
    {
        var expected = await Probabilities($"/api/runs/{_run.Id}/predict");
        foreach (var (format, files) in new[]
                 {
                     ("peft", new[] { "README.md", "adapter_config.json", "adapter_model.safetensors" }),
                     ("merged", new[] { "README.md", "config.json", "model.safetensors", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt" }),
                 })
        {
            using var response = await _server.Http.GetAsync($"/api/runs/{_run.Id}/export?format={format}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
            Assert.EndsWith($"-{format}.zip", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
            var folder = Path.Combine(Path.GetTempPath(), "bidora-tests", Guid.NewGuid().ToString("N"), format);
            using (var zip = new ZipArchive(await response.Content.ReadAsStreamAsync()))
            {
                Assert.Equal(files, zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
                zip.ExtractToDirectory(folder);
            }
            Assert.Contains("BBP upload", await File.ReadAllTextAsync(Path.Combine(folder, "README.md")));

            using var imported = await _server.Http.PostAsJsonAsync("/api/trained-models/import", new { path = folder, name = $"bbp-{format}" });
            Assert.True(imported.StatusCode == HttpStatusCode.Created, await imported.Content.ReadAsStringAsync());
            using var info = JsonDocument.Parse(await imported.Content.ReadAsStringAsync());
            Assert.Equal($"trained:bbp-{format}", info.RootElement.GetProperty("id").GetString());
            Assert.Equal(format == "peft" ? "peftAdapter" : "mergedModel", info.RootElement.GetProperty("kind").GetString());

            var actual = await Probabilities($"/api/trained-models/bbp-{format}/predict");
            for (var i = 0; i < expected.Count; i++)
                for (var k = 0; k < expected[i].Length; k++)
                    Assert.Equal(expected[i][k], actual[i][k], 1e-6);
            Assert.Equal(expected.Count, (await Probabilities("/api/predict", $"trained:bbp-{format}")).Count);
            if (format == "merged")
            {
                // A trained classifier is no base model to train on.
                using var asBase = await _server.Http.PostAsJsonAsync("/api/models/import", new { path = folder, name = "not-a-base" });
                var refused = await Problem.ReadAsync(asBase);
                Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
                Assert.Contains("Trained models", refused.Messages("path"));
            }
        }

        var list = await _server.Http.GetStringAsync("/api/trained-models");
        Assert.Contains("bbp-peft", list);
        Assert.Contains("bbp-merged", list);
        using var again = await _server.Http.PostAsJsonAsync("/api/trained-models/import", new { path = Path.GetTempPath(), name = "bbp-peft" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using var deleted = await _server.Http.DeleteAsync("/api/trained-models/bbp-peft");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await _server.Http.PostAsJsonAsync("/api/trained-models/bbp-peft/predict", new { sequences = Sequences });
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Bad_export_requests_say_what_is_wrong()
    {
        using var format = await _server.Http.GetAsync($"/api/runs/{_run.Id}/export?format=onnx");
        Assert.Equal(HttpStatusCode.BadRequest, format.StatusCode);
        Assert.Contains("format", (await Problem.ReadAsync(format)).Fields);
        using var unknown = await _server.Http.GetAsync("/api/runs/nosuchrun/export?format=peft");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Hand_made_adapters_import_with_a_base_model_or_are_refused_naming_the_field()
    {
        var fixtures = Path.Combine(TestPaths.RepoRoot, "tests", "fixtures", "peft");
        using var noBase = await _server.Http.PostAsJsonAsync("/api/trained-models/import", new { path = Path.Combine(fixtures, "dora-with-classifier") });
        var problem = await Problem.ReadAsync(noBase);
        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Contains("hf-user/esm2-tiny-a", problem.Messages("baseModel"));

        using var withBase = await _server.Http.PostAsJsonAsync("/api/trained-models/import", new { path = Path.Combine(fixtures, "dora-with-classifier"), baseModel = "tiny" });
        Assert.True(withBase.StatusCode == HttpStatusCode.Created, await withBase.Content.ReadAsStringAsync());
        var predictions = await Probabilities("/api/trained-models/dora-with-classifier/predict");
        Assert.All(predictions, p => Assert.Equal(3, p.Length));

        using var headless = await _server.Http.PostAsJsonAsync("/api/trained-models/import", new { path = Path.Combine(fixtures, "lora-no-classifier"), baseModel = "tiny" });
        problem = await Problem.ReadAsync(headless);
        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Contains("no classifier", problem.Messages("path"));
        Assert.False(Directory.Exists(Path.Combine(_server.DataDirectory, "trained", "lora-no-classifier")));

        using var unknownBase = await _server.Http.PostAsJsonAsync("/api/trained-models/import", new { path = Path.Combine(fixtures, "dora-with-classifier"), name = "x", baseModel = "esm9" });
        Assert.Contains("baseModel", (await Problem.ReadAsync(unknownBase)).Fields);
    }

    private async Task<List<double[]>> Probabilities(string url, string? runId = null)
    {
        using var response = runId is null
            ? await _server.Http.PostAsJsonAsync(url, new { sequences = Sequences })
            : await _server.Http.PostAsJsonAsync(url, new { runId, sequences = Sequences });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("predictions").EnumerateArray()
            .Select(p => p.GetProperty("probabilities").EnumerateObject().Select(q => q.Value.GetDouble()).ToArray()).ToList();
    }
}
