using System.Net;
using System.Text.Json;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Api;

public sealed class HealthAndOpenApiTests : IAsyncLifetime
{
    private WorkbenchServer _server = null!;

    public async Task InitializeAsync() => _server = await WorkbenchServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Health_answers_ok_on_a_real_kestrel_port()
    {
        Assert.NotEqual(0, _server.BaseAddress.Port);
        using var response = await _server.Http.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("ok", body.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task OpenApi_document_describes_the_runs_api()
    {
        using var response = await _server.Http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var paths = doc.RootElement.GetProperty("paths");
        foreach (var path in new[] { "/api/health", "/api/runs", "/api/runs/{id}", "/api/runs/{id}/cancel", "/api/runs/{id}/resume", "/api/runs/{id}/metrics", "/api/runs/{id}/artifacts/{name}" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"OpenAPI document lacks {path}");
        }
    }

    [Fact]
    public async Task Samples_folder_is_served()
    {
        using var response = await _server.Http.GetAsync("/samples/bbp/train.csv");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("sequence,label", await response.Content.ReadAsStringAsync());
    }
}
