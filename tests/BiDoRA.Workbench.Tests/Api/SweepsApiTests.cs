using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Sweeps;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Api;

/// <summary>Sweeps through the HTTP API on a real server whose runs are scripted (fast); training for real is in <see cref="SweepTrainingTests"/>.</summary>
public sealed class SweepsApiTests : IAsyncLifetime
{
    private WorkbenchServer _server = null!;

    public async Task InitializeAsync() => _server = await WorkbenchServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_sweep_queues_every_method_for_every_seed_with_equal_settings()
    {
        var dataset = _server.AddDataset();
        using var response = await _server.Http.PostAsJsonAsync("/api/sweeps", new
        {
            datasetId = dataset.Id,
            methods = new[] { "lora", "DoRA", "bidora" },
            seeds = new[] { 3, 7 },
            settings = new { steps = 4, rank = 4, learningRate = 2e-3 },
        });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var sweep = JsonSerializer.Deserialize<SweepDetails>(text, WorkbenchClient.Json)!;
        Assert.Equal($"/api/sweeps/{sweep.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal(["lora", "dora", "bidora"], sweep.Methods);
        Assert.Equal([3, 7], sweep.Seeds);
        Assert.Equal("lora vs dora vs bidora · peptides", sweep.Name);
        // Seed by seed, so a half-finished sweep already has complete pairs.
        Assert.Equal([("lora", 3), ("dora", 3), ("bidora", 3), ("lora", 7), ("dora", 7), ("bidora", 7)], sweep.Runs.Select(r => (r.Method, r.Seed)));

        var done = await WaitForSweepAsync(sweep.Id, SweepStatus.Completed);
        Assert.Equal(6, done.Counts[RunStatus.Completed]);
        var plans = new List<Engine.Training.RunPlan>();
        foreach (var state in done.Runs)
        {
            var run = await _server.GetRunAsync(state.RunId);
            Assert.Equal($"{sweep.Name} · {state.Method} · seed {state.Seed}", run.Name);
            Assert.Equal(state.Method, run.Plan.Method.ToString().ToLowerInvariant());
            Assert.Equal(state.Seed, run.Plan.Seed);
            plans.Add(run.Plan);
        }
        // Apart from method, seed and the run's own folder (with its copy of the dataset), the plans are identical.
        var normalised = plans.Select(p => JsonSerializer.Serialize(p with
        {
            Method = default, Seed = 0, OutputDirectory = "", DatasetPath = Path.GetFileName(p.DatasetPath),
        }, WorkbenchClient.Json)).Distinct().ToList();
        Assert.Single(normalised);
        Assert.All(plans, p => Assert.Equal((4, 4, 2e-3), (p.Steps, p.Rank, p.LearningRate)));

        var list = await _server.Http.GetFromJsonAsync<List<SweepDetails>>("/api/sweeps", WorkbenchClient.Json);
        Assert.Contains(list!, s => s.Id == sweep.Id);
    }

    [Fact]
    public async Task A_seed_count_means_seeds_one_to_n_and_five_by_default()
    {
        var dataset = _server.AddDataset();
        _server.Executor.HoldEveryRun = true;
        var counted = await CreateAsync(new { datasetId = dataset.Id, methods = new[] { "dora" }, seedCount = 3, settings = new { steps = 2 } });
        Assert.Equal([1, 2, 3], counted.Seeds);
        var defaulted = await CreateAsync(new { datasetId = dataset.Id, methods = new[] { "lora" } });
        Assert.Equal([1, 2, 3, 4, 5], defaulted.Seeds);
        Assert.Contains(defaulted.Status, new[] { SweepStatus.Queued, SweepStatus.Running });

        // Cancelling the sweep cancels what has not finished.
        using var cancel = await _server.Http.PostAsync($"/api/sweeps/{counted.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        foreach (var run in counted.Runs) _server.Executor.Release(run.RunId);
        foreach (var run in defaulted.Runs) _server.Executor.Release(run.RunId);
        var ended = await WaitForSweepAsync(counted.Id, SweepStatus.Incomplete);
        Assert.All(ended.Runs, r => Assert.Equal(RunStatus.Cancelled, r.Status));
    }

    [Fact]
    public async Task Every_invalid_field_is_named()
    {
        var dataset = _server.AddDataset();
        using var response = await _server.Http.PostAsJsonAsync("/api/sweeps", new
        {
            datasetId = dataset.Id,
            methods = new[] { "lora", "qlora", "lora" },
            seeds = new[] { 1, 1 },
            seedCount = 2,
            settings = new { steps = -1, method = "dora", seed = 4, rank = 0 },
        });
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Equal("application/problem+json", problem.ContentType);
        foreach (var field in new[] { "methods", "seeds", "seedCount", "settings.steps", "settings.method", "settings.seed", "settings.rank" })
        {
            Assert.Contains(field, problem.Fields);
        }
        Assert.Contains("qlora", problem.Messages("methods"));
        Assert.DoesNotContain("datasetId", problem.Fields);

        using var missing = await _server.Http.PostAsJsonAsync("/api/sweeps", new { methods = new[] { "lora" }, seeds = new[] { 1 } });
        Assert.Equal(["datasetId"], (await Problem.ReadAsync(missing)).Fields);
        using var empty = await _server.Http.PostAsJsonAsync("/api/sweeps", new { datasetId = dataset.Id, methods = Array.Empty<string>() });
        Assert.Equal(["methods"], (await Problem.ReadAsync(empty)).Fields);
        // Nothing was queued by the refused requests.
        Assert.Empty(await _server.Http.GetFromJsonAsync<List<RunRecord>>("/api/runs", WorkbenchClient.Json) ?? []);
    }

    [Theory]
    [InlineData("/api/sweeps/0123456789abcdef", "id")]
    [InlineData("/api/sweeps/0123456789abcdef/compare", "id")]
    [InlineData("/api/sweeps/0123456789abcdef/report", "id")]
    [InlineData("/api/runs/0123456789abcdef/analysis", "id")]
    [InlineData("/api/runs/0123456789abcdef/report", "id")]
    [InlineData("/api/compare?runs=0123456789abcdef", "runs")]
    [InlineData("/api/compare/report?runs=0123456789abcdef", "runs")]
    public async Task Unknown_ids_are_404_naming_the_field(string url, string field)
    {
        using var response = await _server.Http.GetAsync(url);
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(HttpStatusCode.NotFound, problem.Status);
        Assert.Equal([field], problem.Fields);
    }

    [Theory]
    [InlineData("alternative=sideways", "alternative")]
    [InlineData("zeroMethod=zsplit", "zeroMethod")]
    [InlineData("pValue=bootstrap", "pValue")]
    [InlineData("correction=maybe", "correction")]
    [InlineData("a=full", "a")]
    public async Task Bad_comparison_options_name_the_parameter(string query, string field)
    {
        var dataset = _server.AddDataset();
        var sweep = await CreateAsync(new { datasetId = dataset.Id, methods = new[] { "lora", "dora" }, seeds = new[] { 1 }, settings = new { steps = 2 } });
        using var response = await _server.Http.GetAsync($"/api/sweeps/{sweep.Id}/compare?{query}");
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Equal([field], problem.Fields);

        using var noRuns = await _server.Http.GetAsync("/api/compare");
        Assert.Equal(["runs"], (await Problem.ReadAsync(noRuns)).Fields);
    }

    private async Task<SweepDetails> CreateAsync(object body)
    {
        using var response = await _server.Http.PostAsJsonAsync("/api/sweeps", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonSerializer.Deserialize<SweepDetails>(text, WorkbenchClient.Json)!;
    }

    private async Task<SweepDetails> WaitForSweepAsync(string id, SweepStatus status)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var sweep = (await _server.Http.GetFromJsonAsync<SweepDetails>($"/api/sweeps/{id}", WorkbenchClient.Json))!;
            if (sweep.Status == status) return sweep;
            if (limit.IsCancellationRequested) Assert.Fail($"Sweep {id} stayed {sweep.Status} instead of becoming {status}.");
            await Task.Delay(25, CancellationToken.None);
        }
    }
}
