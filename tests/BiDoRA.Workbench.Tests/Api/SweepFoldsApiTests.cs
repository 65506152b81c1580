using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Sweeps;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Api;

/// <summary>
/// Cross-validated sweeps, the final-weights rule and BiDoRA's retraining settings through POST /api/sweeps, and the
/// pooled comparison's query checks, on a server whose runs are scripted (fast).
/// </summary>
public sealed class SweepFoldsApiTests : IAsyncLifetime
{
    private WorkbenchServer _server = null!;

    public async Task InitializeAsync() => _server = await WorkbenchServer.StartAsync(executor: new ScriptedRunExecutor { HoldEveryRun = true });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_folds_sweep_queues_method_by_seed_by_fold_with_the_fold_and_selection_in_every_plan()
    {
        var dataset = _server.AddDataset();
        using var response = await _server.Http.PostAsJsonAsync("/api/sweeps", new
        {
            datasetId = dataset.Id,
            methods = new[] { "dora", "bidora" },
            seeds = new[] { 1, 2 },
            folds = 3,
            clusterIdentity = 0.5,
            settings = new { steps = 2, select = "best", selectionFraction = 0.2, retrainSteps = 3, retrainLearningRate = 5e-4, retrainWeightDecay = 0.02 },
        });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var sweep = JsonSerializer.Deserialize<SweepDetails>(text, WorkbenchClient.Json)!;
        Assert.Equal((3, 0.5), (sweep.Folds, sweep.ClusterIdentity));
        Assert.Equal(12, sweep.Runs.Count);
        // Seed by seed, fold by fold within a seed, every method of a fold together.
        var expected = from seed in new[] { 1, 2 } from fold in new[] { 1, 2, 3 } from method in new[] { "dora", "bidora" } select (method, seed, (int?)fold);
        Assert.Equal(expected, sweep.Runs.Select(r => (r.Method, r.Seed, r.Fold)));

        var fetched = (await _server.Http.GetFromJsonAsync<SweepDetails>($"/api/sweeps/{sweep.Id}", WorkbenchClient.Json))!;
        Assert.Equal(sweep.Runs.Select(r => r.Fold), fetched.Runs.Select(r => r.Fold));
        foreach (var state in sweep.Runs)
        {
            var plan = (await _server.GetRunAsync(state.RunId)).Plan;
            Assert.Equal((3, state.Fold, 0.5), (plan.Folds, plan.Fold, plan.ClusterIdentity));
            Assert.Equal((SelectionRule.Best, 0.2), (plan.Select, plan.SelectionFraction));
            Assert.Equal((3, 5e-4, 0.02), (plan.RetrainSteps, plan.RetrainLearningRate, plan.RetrainWeightDecay));
        }
    }

    [Fact]
    public async Task Bad_folds_identity_and_selection_are_named_per_field_and_queue_nothing()
    {
        var dataset = _server.AddDataset();
        async Task<Problem> Post(object body)
        {
            using var response = await _server.Http.PostAsJsonAsync("/api/sweeps", body);
            return await Problem.ReadAsync(response);
        }

        var tooFew = await Post(new { datasetId = dataset.Id, methods = new[] { "dora" }, seeds = new[] { 1 }, folds = 1 });
        Assert.Equal(HttpStatusCode.BadRequest, tooFew.Status);
        Assert.Equal(["folds"], tooFew.Fields);
        Assert.Contains("2 to 20 folds", tooFew.Messages("folds"));

        var identityAlone = await Post(new { datasetId = dataset.Id, methods = new[] { "dora" }, seeds = new[] { 1 }, clusterIdentity = 0.4 });
        Assert.Equal(["clusterIdentity"], identityAlone.Fields);
        Assert.Contains("only applies with folds", identityAlone.Messages("clusterIdentity"));
        var identityTooHigh = await Post(new { datasetId = dataset.Id, methods = new[] { "dora" }, seeds = new[] { 1 }, folds = 2, clusterIdentity = 1.5 });
        Assert.Equal(["clusterIdentity"], identityTooHigh.Fields);

        var tooMany = await Post(new { datasetId = dataset.Id, methods = new[] { "lora", "dora", "bidora" }, seedCount = 10, folds = 10 });
        Assert.Equal(["seedCount"], tooMany.Fields);
        Assert.Contains("× 10 folds is 300 runs", tooMany.Messages("seedCount"));

        var settings = await Post(new
        {
            datasetId = dataset.Id, methods = new[] { "bidora" }, seeds = new[] { 1 },
            settings = new { select = "worst", retrainLearningRate = -1.0, retrainWeightDecay = -0.5 },
        });
        Assert.Equal(["settings.retrainLearningRate", "settings.retrainWeightDecay", "settings.select"], settings.Fields.Order());
        Assert.Contains("'worst'", settings.Messages("settings.select"));
        var fraction = await Post(new { datasetId = dataset.Id, methods = new[] { "dora" }, seeds = new[] { 1 }, settings = new { select = "best", selectionFraction = 0.7 } });
        Assert.Equal(["settings.selectionFraction"], fraction.Fields);

        Assert.Empty(_server.Services.GetRequiredService<SweepStore>().List());
    }

    [Theory]
    [InlineData("", "sweeps", HttpStatusCode.BadRequest)]
    [InlineData("sweeps={0}", "sweeps", HttpStatusCode.BadRequest)]
    [InlineData("sweeps={0},0123456789abcdef", "sweeps", HttpStatusCode.NotFound)]
    [InlineData("sweeps={0},{1}&metric=mcc", "metric", HttpStatusCode.BadRequest)]
    [InlineData("sweeps={0},{1}&alternative=sideways", "alternative", HttpStatusCode.BadRequest)]
    [InlineData("sweeps={0},{1}&a=full", "a", HttpStatusCode.BadRequest)]
    public async Task Pooled_compare_names_what_is_wrong_with_its_query(string query, string field, HttpStatusCode status)
    {
        var dataset = _server.AddDataset();
        var ids = new List<string>();
        foreach (var _ in new[] { 1, 2 })
        {
            using var created = await _server.Http.PostAsJsonAsync("/api/sweeps", new { datasetId = dataset.Id, methods = new[] { "dora", "bidora" }, seeds = new[] { 1 }, settings = new { steps = 2 } });
            ids.Add(JsonSerializer.Deserialize<SweepDetails>(await created.Content.ReadAsStringAsync(), WorkbenchClient.Json)!.Id);
        }
        foreach (var url in new[] { "/api/compare/pooled", "/api/compare/pooled/report" })
        {
            using var response = await _server.Http.GetAsync($"{url}?{string.Format(query, ids[0], ids[1])}");
            var problem = await Problem.ReadAsync(response);
            Assert.Equal(status, problem.Status);
            Assert.Equal([field], problem.Fields);
        }
    }
}
