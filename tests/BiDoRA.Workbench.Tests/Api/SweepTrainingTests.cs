using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Workbench.Services.Datasets;
using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Services.Sweeps;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Api;

/// <summary>A real sweep: the engine trains the bundled tiny model, then compare, analysis and reports read the run folders.</summary>
public sealed class SweepTrainingTests : IAsyncLifetime
{
    private WorkbenchServer _server = null!;

    public async Task InitializeAsync() => _server = await WorkbenchServer.StartWithTrainerAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Sweep_trains_compares_analyses_and_reports()
    {
        var dataset = AddBbpSlice(_server);
        using var created = await _server.Http.PostAsJsonAsync("/api/sweeps", new
        {
            datasetId = dataset.Id,
            methods = new[] { "dora", "bidora" },
            seeds = new[] { 1, 2 },
            settings = new { model = "tiny", steps = 2, batchSize = 8, evalEvery = 1, checkpointEvery = 2, rank = 2, device = "cpu" },
        });
        var text = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, text);
        var sweep = JsonSerializer.Deserialize<SweepDetails>(text, WorkbenchClient.Json)!;

        var done = await WaitForEndAsync(sweep.Id);
        Assert.True(done.Status == SweepStatus.Completed, string.Join("; ", done.Runs.Select(r => $"{r.Method}/{r.Seed}: {r.Status} {r.Error}")));

        // Compare: both methods, paired by seed, with parameter counts and training time.
        var comparison = (await _server.Http.GetFromJsonAsync<ComparisonResult>($"/api/sweeps/{sweep.Id}/compare?a=dora&b=bidora&alternative=greater", WorkbenchClient.Json))!;
        Assert.Equal(TaskKind.Binary, comparison.Task);
        Assert.Equal(["dora", "bidora"], comparison.Groups.Select(g => g.Group));
        Assert.All(comparison.Groups, g =>
        {
            Assert.Equal(2, g.Completed);
            Assert.Equal([1, 2], g.Seeds);
            Assert.NotNull(g.Metrics["accuracy"].StandardDeviation);
            Assert.True(g.TrainableParameters.Mean > g.PaperParameterCount.Mean, "the head counts as trainable");
            Assert.True(g.DurationSeconds.Mean > 0);
        });
        var paired = comparison.Comparison!;
        Assert.Equal(("dora", "bidora", TestAlternative.Greater), (paired.A, paired.B, paired.Alternative));
        Assert.Equal([1, 2], paired.Seeds);
        var accuracy = paired.Tests[0];
        Assert.Equal("accuracy", accuracy.Metric);
        Assert.Equal(2, accuracy.Result!.Pairs);
        Assert.Equal(PValueMethod.Exact, accuracy.Result.Method);
        Assert.InRange(accuracy.Result.PValue, 0.25, 1);   // two pairs cannot go below 2⁻²

        // The same runs compared by id give the same groups.
        var ids = string.Join(",", done.Runs.Select(r => r.RunId));
        var byRuns = (await _server.Http.GetFromJsonAsync<ComparisonResult>($"/api/compare?runs={ids}", WorkbenchClient.Json))!;
        Assert.Equal(comparison.Groups.Select(g => g.Metrics["accuracy"].Mean), byRuns.Groups.Select(g => g.Metrics["accuracy"].Mean));

        // Analysis: one point per adapted matrix per snapshot (evaluations at search steps 1 and 2, then at 3 and 4 of
        // the retraining phase, which BiDoRA runs by default for as many steps as it searched).
        var runId = done.Runs.First(r => r.Method == "bidora").RunId;
        var analysis = (await _server.Http.GetFromJsonAsync<WeightDecompositionResult>($"/api/runs/{runId}/analysis", WorkbenchClient.Json))!;
        Assert.Equal([1, 2, 3, 4], analysis.Steps);
        Assert.NotEmpty(analysis.Modules);
        Assert.Equal(analysis.Modules.Count * 4, analysis.Points.Count);
        Assert.Equal(WeightDecompositionFit.All, analysis.Fits[0].Scope);
        Assert.Equal(analysis.Points.Count, analysis.Fits[0].Count);

        // Reports: one self-contained HTML file each, with inline charts and no script.
        using var runReport = await _server.Http.GetAsync($"/api/runs/{runId}/report");
        Assert.Equal(HttpStatusCode.OK, runReport.StatusCode);
        Assert.Equal("text/html", runReport.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"run-{runId}.html", runReport.Content.Headers.ContentDisposition?.FileName);
        var runHtml = await runReport.Content.ReadAsStringAsync();
        AssertSelfContained(runHtml);
        Assert.Contains("Confusion matrix", runHtml);
        Assert.Contains("ΔM vs ΔD", runHtml);
        Assert.Contains("training loss", runHtml);

        using var sweepReport = await _server.Http.GetAsync($"/api/sweeps/{sweep.Id}/report");
        Assert.Equal(HttpStatusCode.OK, sweepReport.StatusCode);
        Assert.Equal($"sweep-{sweep.Id}.html", sweepReport.Content.Headers.ContentDisposition?.FileName);
        var sweepHtml = await sweepReport.Content.ReadAsStringAsync();
        AssertSelfContained(sweepHtml);
        Assert.Contains("Wilcoxon signed-rank test: bidora vs dora", sweepHtml);
        Assert.Contains("Shared settings", sweepHtml);

        // Hand-picked runs (here the sweep's, by id) get the same report, titled by their number rather than a sweep.
        using var pickedReport = await _server.Http.GetAsync($"/api/compare/report?runs={ids}&a=dora&b=bidora");
        Assert.Equal(HttpStatusCode.OK, pickedReport.StatusCode);
        Assert.Equal("comparison.html", pickedReport.Content.Headers.ContentDisposition?.FileName);
        var pickedHtml = await pickedReport.Content.ReadAsStringAsync();
        AssertSelfContained(pickedHtml);
        Assert.Contains($"{done.Runs.Count} chosen runs", pickedHtml);
        Assert.Contains("Wilcoxon signed-rank test: bidora vs dora", pickedHtml);
        Assert.DoesNotContain(sweep.Id, pickedHtml);
    }

    private static void AssertSelfContained(string html)
    {
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("<svg", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=\"http", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>40 rows of the BBP sample (both classes), stored as an import stores them.</summary>
    internal static DatasetRecord AddBbpSlice(WorkbenchServer server)
    {
        var lines = File.ReadAllLines(Path.Combine(TestPaths.Samples, "bbp", "train.csv"));
        var rows = lines.Skip(1).Take(20).Concat(lines.TakeLast(20)).ToList();
        var record = new DatasetRecord
        {
            Id = RecordId.New(),
            Name = "bbp-slice",
            FileName = "bbp-slice.csv",
            Format = "csv",
            Task = TaskKind.Binary,
            Rows = rows.Count,
            Columns = ["sequence", "label"],
            SequenceColumn = "sequence",
            LabelColumn = "label",
            CreatedAt = DateTimeOffset.UtcNow,
        };
        return server.Services.GetRequiredService<DatasetStore>().Add(record, stream =>
        {
            using var writer = new StreamWriter(stream);
            writer.Write(string.Join("\n", [lines[0], .. rows]) + "\n");
        });
    }

    private async Task<SweepDetails> WaitForEndAsync(string id)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        while (true)
        {
            var sweep = (await _server.Http.GetFromJsonAsync<SweepDetails>($"/api/sweeps/{id}", WorkbenchClient.Json))!;
            if (sweep.Status is SweepStatus.Completed or SweepStatus.Incomplete) return sweep;
            if (limit.IsCancellationRequested) Assert.Fail($"Sweep {id} is still {sweep.Status}.");
            await Task.Delay(100, CancellationToken.None);
        }
    }
}
