using System.Net;
using System.Net.Http.Json;
using BiDoRA.Engine.Data;
using BiDoRA.Workbench.Services.Models;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Datasets;

/// <summary>A first start works offline: the three samples are datasets and the tiny model is available.</summary>
public sealed class SampleSeedingTests
{
    private static readonly Dictionary<string, string?> Seeding = new() { ["Workbench:SeedSamples"] = "true" };

    [Fact]
    public async Task A_new_database_gets_the_three_samples_once_and_a_deleted_one_stays_deleted()
    {
        var server = await WorkbenchServer.StartAsync(configuration: Seeding);
        try
        {
            var datasets = (await server.ListDatasetsAsync()).OrderBy(d => d.Sample).ToList();
            Assert.Equal(["bbp", "mic", "thermostability"], datasets.Select(d => d.Sample));
            Assert.Equal([236, 5319, 2809], datasets.Select(d => d.Rows));
            Assert.Equal([TaskKind.Binary, TaskKind.Regression, TaskKind.Binary], datasets.Select(d => d.Task));
            Assert.Equal([38, 1064, 562], datasets.Select(d => d.TestRows));

            var models = (await server.Http.GetFromJsonAsync<List<ModelInfo>>("/api/models", WorkbenchClient.Json))!;
            Assert.True(models.Single(m => m.Name == "tiny").Available);

            // A run can start on a sample with nothing uploaded and nothing downloaded.
            var run = await server.CreateRunAsync(datasets[0].Id, new { model = "tiny" });
            Assert.Equal("tiny", run.Plan.Model);

            using (var deleted = await server.Http.DeleteAsync($"/api/datasets/{datasets[0].Id}")) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            server.KeepData = true;
            await server.DisposeAsync();
            server = await WorkbenchServer.StartAsync(server.DataDirectory, configuration: Seeding);

            Assert.Equal(["mic", "thermostability"], (await server.ListDatasetsAsync()).Select(d => d.Sample).Order());
        }
        finally
        {
            server.KeepData = false;
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_database_that_already_holds_datasets_is_left_as_it_is()
    {
        var server = await WorkbenchServer.StartAsync();
        try
        {
            var mine = server.AddDataset("mine");
            server.KeepData = true;
            await server.DisposeAsync();
            server = await WorkbenchServer.StartAsync(server.DataDirectory, configuration: Seeding);
            Assert.Equal([mine.Id], (await server.ListDatasetsAsync()).Select(d => d.Id));
        }
        finally
        {
            server.KeepData = false;
            await server.DisposeAsync();
        }
    }
}
