using System.Net;
using System.Net.Http.Json;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Workbench.Services.Models;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Api;

public sealed class ModelsApiTests : IAsyncLifetime
{
    private WorkbenchServer _server = null!;
    private string _scratch = null!;

    public async Task InitializeAsync()
    {
        _server = await WorkbenchServer.StartAsync();
        _scratch = Path.Combine(Path.GetTempPath(), "bidora-tests", "models-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_scratch);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_scratch, recursive: true);
    }

    [Fact]
    public async Task The_catalog_lists_tiny_as_available_offline_and_the_others_as_not_downloaded()
    {
        var models = (await _server.Http.GetFromJsonAsync<List<ModelInfo>>("/api/models", WorkbenchClient.Json))!;
        Assert.Equal(ModelCatalog.Entries.Select(e => e.Name), models.Select(m => m.Name));
        var tiny = models.Single(m => m.Name == "tiny");
        Assert.True(tiny.Available);
        Assert.True(tiny.Bundled);
        var small = models.Single(m => m.Name == "esm2_t6_8M_UR50D");
        Assert.False(small.Available);
        Assert.Equal("facebook/esm2_t6_8M_UR50D", small.HubId);
        Assert.InRange(small.ParameterCount, 7_000_000, 9_000_000);
    }

    [Fact]
    public async Task A_model_folder_imports_under_its_name_and_runs_can_use_it()
    {
        var source = CopyOfTiny("my-esm");
        using var response = await _server.Http.PostAsJsonAsync("/api/models/import", new { path = source });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var model = await response.Content.ReadFromJsonAsync<ModelInfo>(WorkbenchClient.Json);
        Assert.Equal("my-esm", model!.Name);
        Assert.True(model.Imported && model.Available);
        Assert.True(File.Exists(Path.Combine(_server.DataDirectory, "models", "my-esm", "model.safetensors")));

        var run = await _server.CreateRunAsync(_server.AddDataset().Id, new { model = "my-esm" });
        // The plan names the imported folder itself, so the run does not depend on the library to find it again.
        Assert.Equal(Path.Combine(_server.DataDirectory, "models", "my-esm"), run.Plan.Model);

        using var again = await _server.Http.PostAsJsonAsync("/api/models/import", new { path = source });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(["name"], (await Problem.ReadAsync(again)).Fields);
    }

    [Theory]
    [InlineData("relative/folder", "path")]
    [InlineData("/no/such/folder/anywhere", "path")]
    [InlineData("{empty}", "path")]
    [InlineData("{tiny}", "name")]
    public async Task Bad_imports_are_problems_naming_the_field(string path, string field)
    {
        var body = path switch
        {
            "{empty}" => new { path = Directory.CreateDirectory(Path.Combine(_scratch, "empty")).FullName, name = (string?)null },
            "{tiny}" => new { path = CopyOfTiny("fine"), name = (string?)"../escape" },
            _ => new { path, name = (string?)null },
        };
        using var response = await _server.Http.PostAsJsonAsync("/api/models/import", body);
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Equal([field], problem.Fields);
        Assert.False(Directory.Exists(Path.Combine(_server.DataDirectory, "escape")));
    }

    [Fact]
    public async Task A_run_cannot_name_a_model_path()
    {
        var dataset = _server.AddDataset();
        using var response = await _server.Http.PostAsJsonAsync("/api/runs", new { datasetId = dataset.Id, model = CopyOfTiny("elsewhere") });
        Assert.Equal(["model"], (await Problem.ReadAsync(response)).Fields);
    }

    private string CopyOfTiny(string name)
    {
        var target = Path.Combine(_scratch, name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(ModelCatalog.BundledModelsDirectory, "tiny")))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        return target;
    }
}
