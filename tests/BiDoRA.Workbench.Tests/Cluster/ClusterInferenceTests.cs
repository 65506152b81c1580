using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using BiDoRA.Workbench.Services.Predictions;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Sweeps;
using BiDoRA.Workbench.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace BiDoRA.Workbench.Tests.Cluster;

/// <summary>
/// Cluster mode's inference: a file's predictions, a mutational scan and a sweep's ensemble asked of the web node run
/// on a worker as jobs, and their results (CSV, JSON) come back through the web node, which loads no model itself.
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed class ClusterInferenceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_file_prediction_a_scan_and_a_sweep_s_ensemble_run_on_the_worker_and_their_results_come_through_the_web_node()
    {
        await using var cluster = await LocalCluster.StartAsync(webNodes: 1, workers: 1);
        var web = cluster.Web();
        var dataset = await cluster.BbpAsync();
        using var created = await web.PostAsJsonAsync("/api/sweeps", new
        {
            datasetId = dataset.Id,
            methods = new[] { "lora" },
            seeds = new[] { 3, 4 },
            settings = new { steps = 10, batchSize = 8, evalEvery = 10, checkpointEvery = 10, device = "cpu", queue = "cpu" },
        });
        var sweep = await created.Content.ReadFromJsonAsync<SweepDetails>(WorkbenchClient.Json);
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"{(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
        var runs = new List<RunRecord>();
        foreach (var state in sweep!.Runs) runs.Add(await web.WaitForStatusAsync(state.RunId, RunStatus.Completed, TimeSpan.FromMinutes(5)));
        Assert.All(runs, r => Assert.Equal(("cpu", "worker-1"), (r.Queue, r.Worker)));
        var run = runs[0];

        // A file of three sequences: file uploads always go to a worker.
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(">a\nGLFDIVKKVVGALGSL\n>b\nKWKLFKKIEKVGQNIRDGIIKAGPAVAVVGQATQIAK\n>c\nMKTAYIAKQRQISFVKSHFSRQ\n"));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", "mine.fasta");
        var clock = Stopwatch.StartNew();
        using var predicted = await web.PostAsync($"/api/runs/{run.Id}/predict/file", form);
        var predictSeconds = clock.Elapsed.TotalSeconds;
        var csv = await predicted.Content.ReadAsStringAsync();
        Assert.True(predicted.StatusCode == HttpStatusCode.OK, $"{(int)predicted.StatusCode}: {csv}\n{cluster.Output}");
        Assert.Equal("text/csv", predicted.Content.Headers.ContentType?.MediaType);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("id,sequence,predicted,", lines[0]);
        Assert.Equal(["a", "b", "c"], lines[1..].Select(l => l.Split(',')[0]));
        Assert.Equal("GLFDIVKKVVGALGSL", lines[1].Split(',')[1]);

        // A scan of a 10-residue sequence: the wild type's row, then 10 × 19 substitutions.
        clock.Restart();
        using var scanned = await web.PostAsJsonAsync($"/api/runs/{run.Id}/scan?format=csv", new { sequence = "GLFDIVKKVV" });
        var scanSeconds = clock.Elapsed.TotalSeconds;
        var scanCsv = await scanned.Content.ReadAsStringAsync();
        Assert.True(scanned.StatusCode == HttpStatusCode.OK, $"{(int)scanned.StatusCode}: {scanCsv}\n{cluster.Output}");
        var scanLines = scanCsv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2 + 10 * 19, scanLines.Length);
        Assert.StartsWith("sequence,WT,", scanLines[1]);
        Assert.StartsWith("sequence,G1A,1,G,A,", scanLines[2]);

        // A refusal on the worker reads as the same refusal: the class names no class of this binary run.
        using var refused = await web.PostAsJsonAsync($"/api/runs/{run.Id}/scan", new { sequence = "GLFDIVKKVV", className = "no-such-class" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("className", await refused.Content.ReadAsStringAsync());

        // The sweep's two runs predict together.
        clock.Restart();
        using var voted = await web.PostAsJsonAsync($"/api/sweeps/{sweep.Id}/predict", new { method = "lora", sequences = new[] { "GLFDIVKKVVGALGSL", "MKTAYIAKQRQISFVKSHFSRQ" } });
        var ensembleSeconds = clock.Elapsed.TotalSeconds;
        Assert.True(voted.StatusCode == HttpStatusCode.OK, $"{(int)voted.StatusCode}: {await voted.Content.ReadAsStringAsync()}\n{cluster.Output}");
        var ensemble = await voted.Content.ReadFromJsonAsync<EnsemblePredictions>(WorkbenchClient.Json);
        Assert.Equal(runs.Select(r => r.Id).Order(), ensemble!.Members.Order());
        Assert.Equal(2, ensemble.Predictions.Count);
        Assert.All(ensemble.Predictions, p => Assert.Equal(1, p.Probabilities!.Values.Sum(), 6));

        // A list of 100 sequences (Workbench:Cluster:PredictOnWorkerFrom) goes to the worker too.
        var hundred = Enumerable.Range(0, 100).Select(i => "GLFDIVKKVVGALGSL"[..(6 + i % 10)]).ToList();
        using var listed = await web.PostAsJsonAsync($"/api/runs/{run.Id}/predict", new { sequences = hundred });
        Assert.True(listed.StatusCode == HttpStatusCode.OK, $"{(int)listed.StatusCode}: {await listed.Content.ReadAsStringAsync()}");
        var list = await listed.Content.ReadFromJsonAsync<RunPredictions>(WorkbenchClient.Json);
        Assert.Equal(hundred, list!.Predictions.Select(p => p.Sequence));

        // Each ran on the worker: its record names it, the worker loaded the run's model, the web node never did.
        var jobs = new List<(string Kind, string Status, string? Worker, double Seconds)>();
        await using (var db = new NpgsqlConnection(cluster.ConnectionString))
        {
            await db.OpenAsync();
            await using var query = new NpgsqlCommand("select kind, status, worker, extract(epoch from ended_at - created_at)::float8 from inference_jobs order by created_at", db);
            await using var reader = await query.ExecuteReaderAsync();
            while (await reader.ReadAsync()) jobs.Add((reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetDouble(3)));
        }
        Assert.Equal([("Predict", "completed"), ("Scan", "completed"), ("Scan", "failed"), ("EnsemblePredict", "completed"), ("Predict", "completed")], jobs.Select(j => (j.Kind, j.Status)));
        Assert.All(jobs, j => Assert.Equal("worker-1", j.Worker));
        Assert.Contains($"Loading {run.Id} for prediction.", cluster.Workers[0].Output);
        Assert.DoesNotContain("for prediction.", cluster.WebNodes[0].Output);
        // The web node removed each job's folder once it had the result.
        Assert.Empty(Directory.Exists(Path.Combine(cluster.SharedDirectory, "jobs")) ? Directory.GetFileSystemEntries(Path.Combine(cluster.SharedDirectory, "jobs")) : []);
        output.WriteLine($"prediction of 3 sequences: {predictSeconds:F2} s request → CSV (job record {jobs[0].Seconds:F2} s, first load of the model included); "
                         + $"scan of 190 substitutions: {scanSeconds:F2} s (job {jobs[1].Seconds:F2} s); ensemble of 2 runs, 2 sequences: {ensembleSeconds:F2} s (job {jobs[3].Seconds:F2} s)");
    }
}
