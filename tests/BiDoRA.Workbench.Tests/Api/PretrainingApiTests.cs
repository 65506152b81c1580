using System.Net;
using System.Net.Http.Json;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Models;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Api;

/// <summary>Pretraining as a run kind: validated like any run, trained by the engine, its model listed and usable as a base.</summary>
public sealed class PretrainingApiTests
{
    [Fact]
    public async Task A_pretraining_run_writes_a_model_that_the_models_list_shows_and_a_fine_tuning_run_uses()
    {
        await using var server = await WorkbenchServer.StartWithTrainerAsync();
        var dataset = server.AddBbpDataset();
        var created = await server.CreateRunAsync(dataset.Id, new
        {
            kind = "pretrain", model = "tiny", method = "lora", steps = 4, batchSize = 8, evalEvery = 2, checkpointEvery = 2, device = "cpu", outputModel = "bbp-mlm",
        });
        Assert.Equal(RunKind.Pretrain, created.Plan.Kind);
        Assert.Equal(Path.Combine(server.DataDirectory, "models", "bbp-mlm"), created.Plan.Pretraining!.ModelDirectory);
        Assert.StartsWith("pretrain lora · ", created.Name, StringComparison.Ordinal);

        var run = await server.WaitForStatusAsync(created.Id, RunStatus.Completed, TimeSpan.FromMinutes(3));
        Assert.True(run.FinalMetrics!["perplexity"] > 1);
        Assert.True(run.FinalMetrics["base_perplexity"] > 1);
        var events = await server.Http.ReadEventsAsync(created.Id);
        var evaluations = events.Select(e => e.Event).OfType<Evaluated>().ToList();
        Assert.Equal([0, 2, 4], evaluations.Select(e => e.Step));
        Assert.All(evaluations, e => Assert.Equal(evaluations[0].Metrics["perplexity"], e.Metrics["base_perplexity"]));

        var models = (await server.Http.GetFromJsonAsync<List<ModelInfo>>("/api/models", WorkbenchClient.Json))!;
        var pretrained = models.Single(m => m.Name == "bbp-mlm");
        Assert.True(pretrained.Available);
        Assert.Equal(run.FinalMetrics["perplexity"], pretrained.Pretraining!.Perplexity, 9);
        Assert.Equal(4, pretrained.Pretraining.Steps);
        Assert.True(HuggingFaceModelFolder.LooksLikeModelFolder(Path.Combine(server.DataDirectory, "models", "bbp-mlm")));

        var fineTune = await server.CreateRunAsync(dataset.Id, new { model = "bbp-mlm", method = "lora", steps = 2, batchSize = 8, device = "cpu" });
        var finished = await server.WaitForStatusAsync(fineTune.Id, RunStatus.Completed, TimeSpan.FromMinutes(3));
        Assert.Contains("mcc", finished.FinalMetrics!.Keys);
    }

    [Fact]
    public async Task Pretraining_settings_are_checked_field_by_field()
    {
        await using var server = await WorkbenchServer.StartAsync();
        var dataset = server.AddDataset();

        async Task<IReadOnlyList<string>> Fields(object body)
        {
            using var response = await server.Http.PostAsJsonAsync("/api/runs", body, WorkbenchClient.Json);
            var problem = await Problem.ReadAsync(response);
            Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
            return problem.Fields;
        }

        Assert.Equal(["heldOutFraction", "method", "outputModel"],
            (await Fields(new { datasetId = dataset.Id, kind = "pretrain", method = "bidora", outputModel = "tiny", heldOutFraction = 1.0 })).Order(StringComparer.Ordinal));
        Assert.Equal(["outputModel"], await Fields(new { datasetId = dataset.Id, kind = "pretrain", outputModel = "../up" }));
        Assert.Equal(["kind"], await Fields(new { datasetId = dataset.Id, kind = "distil" }));
        Assert.Equal(["kind"], await Fields(new { datasetId = dataset.Id, heldOutFraction = 0.1 }));
    }

    [Fact]
    public async Task Offline_the_default_model_is_the_bundled_mini_and_a_downloaded_release_takes_over()
    {
        await using var server = await WorkbenchServer.StartAsync();
        var library = server.Services.GetRequiredService<ModelLibrary>();
        Assert.Equal(ModelCatalog.MiniName, library.DefaultModel());
        var mini = library.Find(ModelCatalog.MiniName)!;
        Assert.True(mini.Bundled && mini.Available);
        Assert.StartsWith("bidora pretrain ", mini.Pretraining!.Command, StringComparison.Ordinal);
        Assert.True(mini.Pretraining.Perplexity < mini.Pretraining.BasePerplexity);

        // A released checkpoint on disk is a better start than the demonstration model.
        var release = Directory.CreateDirectory(Path.Combine(server.DataDirectory, "models", "esm2_t6_8M_UR50D")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(ModelCatalog.BundledModelsDirectory, "tiny"))) File.Copy(file, Path.Combine(release, Path.GetFileName(file)));
        Assert.Equal("esm2_t6_8M_UR50D", library.DefaultModel());
    }
}
