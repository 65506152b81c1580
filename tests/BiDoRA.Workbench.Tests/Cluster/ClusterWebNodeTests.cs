using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using BiDoRA.Workbench.Services.Cluster;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Services.Storage.PostgreSql;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Cluster;

/// <summary>A web node in cluster mode, in this process: what it is made of, and its Hangfire dashboard behind the access token.</summary>
[Collection(nameof(PostgresCollection))]
public sealed class ClusterWebNodeTests
{
    private const string Token = "a-long-enough-test-token-0123456789";

    [Fact]
    public async Task A_web_node_stores_in_PostgreSQL_only_enqueues_and_guards_the_dashboard_with_the_access_token()
    {
        using var redis = await RedisServer.StartAsync();
        await using var server = await WorkbenchServer.StartAsync(configuration: new Dictionary<string, string?>
        {
            ["Workbench:Cluster:PostgreSql"] = PostgresServer.Shared.CreateDatabase(),
            ["Workbench:Cluster:Redis"] = redis.Configuration,
            ["Workbench:AccessToken"] = Token,
        });
        Assert.IsType<PostgresRunStore>(server.Services.GetRequiredService<IRunStore>());
        Assert.IsType<HangfireRunQueue>(server.Services.GetRequiredService<IRunQueue>());
        Assert.Null(server.Services.GetService<RunQueue>());
        // Nothing here can train: no attempt runner; model-loading work goes to workers.
        Assert.Null(server.Services.GetService<RunAttempt>());
        Assert.IsType<HangfireInference>(server.Services.GetRequiredService<Services.Jobs.IInferenceOffload>());

        using (var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress })
        using (var anonymous = await noRedirects.GetAsync("/hangfire"))
        {
            Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
            Assert.StartsWith("/login", anonymous.Headers.Location!.PathAndQuery);
            Assert.DoesNotContain("BiDoRA Workbench jobs", await anonymous.Content.ReadAsStringAsync());
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, "/hangfire");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var dashboard = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("BiDoRA Workbench jobs", await dashboard.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_run_waits_in_the_queue_chosen_at_its_creation_or_else_in_the_first_one_a_live_worker_serves_and_inference_needs_a_live_worker()
    {
        using var redis = await RedisServer.StartAsync();
        await using var server = await WorkbenchServer.StartAsync(configuration: new Dictionary<string, string?>
        {
            ["Workbench:Cluster:PostgreSql"] = PostgresServer.Shared.CreateDatabase(),
            ["Workbench:Cluster:Redis"] = redis.Configuration,
        });
        var dataset = await server.ImportAsync("bbp.csv", Uploads.Sample("bbp", "train.csv"));

        // No worker is up: the first known queue.
        Assert.Equal("gpu", (await server.CreateRunAsync(dataset.Id)).Queue);
        var chosen = await server.CreateRunAsync(dataset.Id, new { queue = "a100-night" });
        Assert.Equal("a100-night", chosen.Queue);
        Assert.Equal("a100-night", (await server.GetRunAsync(chosen.Id)).Queue);

        using var refused = await server.Http.PostAsJsonAsync("/api/runs", new { datasetId = dataset.Id, queue = "GPU box" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("\"queue\"", await refused.Content.ReadAsStringAsync());

        // Inference goes to a worker; with none up, the request ends with a message that says so instead of waiting forever.
        using var scored = await server.Http.PostAsJsonAsync("/api/variants/score", new { model = "tiny", sequence = "MKTAYIAKQR", variants = "K2R" });
        Assert.Equal(HttpStatusCode.Conflict, scored.StatusCode);
        Assert.Contains("No live worker serves the 'gpu' queue", await scored.Content.ReadAsStringAsync());
    }
}
