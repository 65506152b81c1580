using System.Net;
using System.Net.Http.Json;
using System.Text;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Api;

public sealed class RunsApiValidationTests : IAsyncLifetime
{
    private WorkbenchServer _server = null!;

    public async Task InitializeAsync() => _server = await WorkbenchServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Missing_dataset_is_a_problem_naming_datasetId()
    {
        using var response = await _server.Http.PostAsJsonAsync("/api/runs", new { steps = 10 });
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Equal("application/problem+json", problem.ContentType);
        Assert.Equal(["datasetId"], problem.Fields);
    }

    [Fact]
    public async Task Every_invalid_setting_is_named()
    {
        var dataset = _server.AddDataset();
        using var response = await _server.Http.PostAsJsonAsync("/api/runs", new
        {
            datasetId = dataset.Id,
            method = "qlora",
            steps = -1,
            rank = 0,
            learningRate = 0.0,
            dropout = 1.5,
            hypergradient = "magic",
            device = "tpu",
            model = "../../etc",
        });
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Equal(
            new[] { "device", "dropout", "hypergradient", "learningRate", "method", "model", "rank", "steps" },
            problem.Fields.Order().ToArray());
        Assert.Contains("bidora", problem.Messages("method"));
    }

    [Fact]
    public async Task Unknown_dataset_is_named()
    {
        using var response = await _server.Http.PostAsJsonAsync("/api/runs", new { datasetId = "abc123" });
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Contains("abc123", problem.Messages("datasetId"));
    }

    [Fact]
    public async Task Wrong_json_type_is_a_problem_naming_the_field()
    {
        using var content = new StringContent("{\"datasetId\":\"abc\",\"steps\":\"many\"}", Encoding.UTF8, "application/json");
        using var response = await _server.Http.PostAsync("/api/runs", content);
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Equal(["steps"], problem.Fields);
    }

    [Fact]
    public async Task Malformed_json_is_a_problem_about_the_body()
    {
        using var content = new StringContent("{\"datasetId\": ", Encoding.UTF8, "application/json");
        using var response = await _server.Http.PostAsync("/api/runs", content);
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Single(problem.Fields);
    }

    [Fact]
    public async Task Unknown_run_is_a_404_problem_naming_id()
    {
        foreach (var path in new[] { "/api/runs/nosuchrun", "/api/runs/nosuchrun/metrics", "/api/runs/nosuchrun/artifacts" })
        {
            using var response = await _server.Http.GetAsync(path);
            var problem = await Problem.ReadAsync(response);
            Assert.Equal(HttpStatusCode.NotFound, problem.Status);
            Assert.Equal(["id"], problem.Fields);
        }
    }

    [Fact]
    public async Task Valid_request_queues_a_run_with_plan_defaults()
    {
        var dataset = _server.AddDataset();
        var run = await _server.CreateRunAsync(dataset.Id, new { method = "DoRA", rank = 4 });
        Assert.Equal(BiDoRA.Engine.Adapters.AdapterMethod.Dora, run.Plan.Method);
        Assert.Equal(4, run.Plan.Rank);
        Assert.Equal(16, run.Plan.Alpha);
        Assert.Equal(dataset.Id, run.DatasetId);
        Assert.StartsWith(Path.GetFullPath(_server.DataDirectory), run.Plan.OutputDirectory);
        Assert.True(File.Exists(run.Plan.DatasetPath));
        await _server.WaitForStatusAsync(run.Id, BiDoRA.Workbench.Services.Runs.RunStatus.Completed);
    }

    [Fact]
    public async Task Embedded_mode_has_one_queue_so_a_named_queue_is_checked_then_ignored()
    {
        var dataset = _server.AddDataset();
        var run = await _server.CreateRunAsync(dataset.Id, new { queue = "gpu" });
        Assert.Null(run.Queue);
        Assert.Null(_server.Services.GetService<BiDoRA.Workbench.Services.Jobs.IInferenceOffload>());
        using var response = await _server.Http.PostAsJsonAsync("/api/runs", new { datasetId = dataset.Id, queue = "GPU box" });
        Assert.Equal(["queue"], (await Problem.ReadAsync(response)).Fields);
        await _server.WaitForStatusAsync(run.Id, BiDoRA.Workbench.Services.Runs.RunStatus.Completed);
    }
}
