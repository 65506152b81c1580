using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Predictions;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Integration;

/// <summary>Upload → train for real → events over SignalR → artifacts → predictions, all through the public surface.</summary>
public sealed class EndToEndTests(TrainedRunFixture fixture) : IClassFixture<TrainedRunFixture>
{
    private static readonly string[] TestSequences = File.ReadAllLines(Path.Combine(TestPaths.Samples, "bbp", "test.csv"))
        .Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')[0]).ToArray();

    private WorkbenchServer Server => fixture.Server;

    [Fact]
    public void The_run_trained_on_the_uploaded_dataset_and_its_events_arrived_over_signalr()
    {
        Assert.Equal(fixture.Dataset.Id, fixture.Run.DatasetId);
        Assert.Equal(198, fixture.Dataset.Rows);
        var kinds = fixture.Events.Select(e => e.Event).ToList();
        Assert.IsType<RunStarted>(kinds[0]);
        Assert.IsType<RunCompleted>(kinds[^1]);
        Assert.Contains(kinds, e => e is StepCompleted { Step: 10 });
        Assert.Contains(kinds, e => e is Evaluated);
        Assert.Equal(Enumerable.Range(1, fixture.Events.Count).Select(i => (long)i), fixture.Events.Select(e => e.Sequence));
        Assert.NotNull(fixture.Run.FinalMetrics);
    }

    [Fact]
    public async Task The_run_folder_and_the_adapter_download_as_zips()
    {
        using var all = await Server.Http.GetAsync($"/api/runs/{fixture.Run.Id}/artifacts/run.zip");
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        using (var zip = new ZipArchive(await all.Content.ReadAsStreamAsync()))
        {
            var names = zip.Entries.Select(e => e.FullName).ToList();
            Assert.Superset(new HashSet<string> { "run.json", "adapter.safetensors", "adapter_config.json", "head.safetensors", "metrics.json", "predictions.csv", "dataset.csv" }, names.ToHashSet());
        }

        using var adapter = await Server.Http.GetAsync($"/api/runs/{fixture.Run.Id}/adapter");
        Assert.Equal(HttpStatusCode.OK, adapter.StatusCode);
        Assert.Equal($"adapter-{fixture.Run.Id}.zip", adapter.Content.Headers.ContentDisposition?.FileName);
        using var archive = new ZipArchive(await adapter.Content.ReadAsStreamAsync());
        Assert.Equal(["adapter.safetensors", "adapter_config.json", "head.safetensors", "run.json"], archive.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        var onDisk = await File.ReadAllBytesAsync(Path.Combine(fixture.Run.Plan.OutputDirectory, "adapter.safetensors"));
        await using var entry = archive.GetEntry("adapter.safetensors")!.Open();
        using var copy = new MemoryStream();
        await entry.CopyToAsync(copy);
        Assert.Equal(onDisk, copy.ToArray());
        using var config = JsonDocument.Parse(await new StreamReader(archive.GetEntry("adapter_config.json")!.Open()).ReadToEndAsync());
        Assert.True(config.RootElement.GetProperty("use_dora").GetBoolean());
    }

    [Fact]
    public async Task Predicting_returns_one_prediction_per_sequence_in_order()
    {
        using var response = await Server.Http.PostAsJsonAsync($"/api/runs/{fixture.Run.Id}/predict", new { sequences = TestSequences });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var result = JsonSerializer.Deserialize<RunPredictions>(text, WorkbenchClient.Json)!;
        Assert.Equal(TaskKind.Binary, result.Task);
        Assert.Equal(["0", "1"], result.ClassNames);
        Assert.Equal(TestSequences, result.Predictions.Select(p => p.Sequence));
        foreach (var p in result.Predictions)
        {
            Assert.Contains(p.Label, new[] { "0", "1" });
            Assert.Equal(1.0, p.Probabilities!.Values.Sum(), 6);
            Assert.Equal(p.Probabilities.MaxBy(kv => kv.Value).Key, p.Label);
        }

        // Same answer through the architecture's route, and from a second call served by the cached predictor.
        using var again = await Server.Http.PostAsJsonAsync("/api/predict", new { runId = fixture.Run.Id, sequences = TestSequences.Take(3) });
        var second = (await again.Content.ReadFromJsonAsync<RunPredictions>(WorkbenchClient.Json))!;
        // Batches pad differently, so float32 sums differ in the last digits.
        Assert.All(second.Predictions.Zip(result.Predictions), pair => Assert.Equal(pair.Second.Probabilities!["1"], pair.First.Probabilities!["1"], 5));
    }

    [Fact]
    public async Task Pasted_fasta_keeps_its_ids_and_normalises_the_sequences()
    {
        var text = ">pep-a first\nacd efg\nhik\n>pep-b\nKLMNPQ*\n";
        using var response = await Server.Http.PostAsJsonAsync($"/api/runs/{fixture.Run.Id}/predict", new { text });
        var result = (await response.Content.ReadFromJsonAsync<RunPredictions>(WorkbenchClient.Json))!;
        Assert.Equal(["pep-a", "pep-b"], result.Predictions.Select(p => p.Id));
        Assert.Equal(["ACDEFGHIK", "KLMNPQ"], result.Predictions.Select(p => p.Sequence));
    }

    [Fact]
    public async Task A_csv_upload_comes_back_as_csv_with_a_row_per_input_row()
    {
        // The labelled test file as users have it, with a duplicate row: predictions keep every row.
        var lines = File.ReadAllLines(Path.Combine(TestPaths.Samples, "bbp", "test.csv")).Where(l => l.Length > 0).ToList();
        lines.Add(lines[1]);
        using var response = await Server.UploadAsync($"/api/runs/{fixture.Run.Id}/predict/file", "test.csv", Uploads.Utf8(string.Join("\n", lines)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"test-predictions-{fixture.Run.Id}.csv", response.Content.Headers.ContentDisposition?.FileName);
        var csv = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,sequence,predicted,p_0,p_1", csv[0]);
        Assert.Equal(lines.Count - 1, csv.Length - 1);
        Assert.Equal(csv[1].Split(',')[1..], csv[^1].Split(',')[1..]);
    }

    [Fact]
    public async Task An_invalid_residue_is_refused_naming_the_sequence_and_position()
    {
        using var response = await Server.Http.PostAsJsonAsync($"/api/runs/{fixture.Run.Id}/predict", new { sequences = new[] { "ACDEFG", "ACDJEF" } });
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Equal(["sequences"], problem.Fields);
        Assert.Equal("sequence 2 (id 'seq2'), sequence (position 4): 'J' is not an amino-acid letter. Allowed: ACDEFGHIKLMNPQRSTVWYXBUZO.", problem.Messages("sequences"));
        var issue = problem.Body.GetProperty("issues")[0];
        Assert.Equal(1, issue.GetProperty("index").GetInt32());
        Assert.Equal(4, issue.GetProperty("position").GetInt32());
    }

    [Fact]
    public async Task A_bad_row_in_an_uploaded_file_is_refused_naming_file_row_and_position()
    {
        using var response = await Server.UploadAsync($"/api/runs/{fixture.Run.Id}/predict/file", "mine.csv", Uploads.Utf8("id,sequence\na,ACDEFG\nb,ACD1EF\n"));
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, problem.Status);
        Assert.Contains("mine.csv, row 3 (id 'b'), sequence (position 4): '1' is not an amino-acid letter", problem.Messages("file"));
    }

    [Fact]
    public async Task Too_many_sequences_are_refused_with_the_limit()
    {
        var sequences = Enumerable.Repeat("ACDEFG", TrainedRunFixture.MaxPredictSequences + 1).ToArray();
        using var response = await Server.Http.PostAsJsonAsync($"/api/runs/{fixture.Run.Id}/predict", new { sequences });
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, problem.Status);
        Assert.Contains($"at most {TrainedRunFixture.MaxPredictSequences}", problem.Messages("sequences"));
    }

    [Fact]
    public async Task Predictors_load_once_per_run_and_the_least_recently_used_goes_first()
    {
        var folder = fixture.Run.Plan.OutputDirectory;
        var loads = 0;
        Engine.Prediction.Predictor Load()
        {
            Interlocked.Increment(ref loads);
            return Engine.Prediction.Predictor.Load(folder, device: "cpu");
        }
        using var cache = new PredictorCache(capacity: 1);
        var stamp = DateTime.UnixEpoch;

        // Requests arriving together share one load.
        var leases = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => cache.Acquire("a", stamp, Load))));
        Assert.Equal(1, loads);
        Assert.Single(leases.Select(l => l.Predictor).Distinct());
        var a = leases[0].Predictor;

        // "b" pushes "a" out, but requests still holding "a" keep using it.
        using (var b = cache.Acquire("b", stamp, Load)) Assert.Equal(2, loads);
        Assert.Equal(1, cache.Count);
        Assert.Equal(2, a.Predict(["ACDEFG", "KLMNPQ"]).Count);
        foreach (var lease in leases) lease.Dispose();

        using (cache.Acquire("a", stamp, Load)) Assert.Equal(3, loads);
        // New weights on disk (a resumed run) load anew.
        using (cache.Acquire("a", stamp.AddSeconds(1), Load)) Assert.Equal(4, loads);
    }

    [Fact]
    public async Task Unknown_and_unfinished_runs_cannot_predict()
    {
        using var unknown = await Server.Http.PostAsJsonAsync("/api/runs/0123456789abcdef/predict", new { sequences = new[] { "ACDE" } });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        var queued = await Server.CreateRunAsync(fixture.Dataset.Id, new { model = "tiny", steps = 100000, device = "cpu" });
        try
        {
            using var response = await Server.Http.PostAsJsonAsync($"/api/runs/{queued.Id}/predict", new { sequences = new[] { "ACDE" } });
            var problem = await Problem.ReadAsync(response);
            Assert.Equal(HttpStatusCode.Conflict, problem.Status);
            Assert.Matches("is (queued|running); only a completed run can predict", problem.Messages("id"));
        }
        finally
        {
            using var cancel = await Server.Http.PostAsync($"/api/runs/{queued.Id}/cancel", null);
            await Server.WaitForStatusAsync(queued.Id, RunStatus.Cancelled, TimeSpan.FromSeconds(60));
        }
    }
}
