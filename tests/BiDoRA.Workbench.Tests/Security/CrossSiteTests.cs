using System.Net;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Security;

public sealed class CrossSiteTests : IAsyncLifetime
{
    private WorkbenchServer _server = null!;

    public async Task InitializeAsync() => _server = await WorkbenchServer.StartAsync(executor: new ScriptedRunExecutor { HoldEveryRun = true });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    [InlineData("Origin", "http://evil.example")]
    [InlineData("Origin", "null")]
    public async Task A_browser_post_from_another_site_is_refused(string header, string value)
    {
        var run = await _server.CreateRunAsync(_server.AddDataset().Id);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/runs/{run.Id}/cancel");
        request.Headers.TryAddWithoutValidation(header, value);
        using var response = await _server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(["origin"], (await Problem.ReadAsync(response)).Fields);
        Assert.NotEqual(RunStatus.Cancelled, (await _server.GetRunAsync(run.Id)).Status);
    }

    [Fact]
    public async Task A_post_from_the_workbench_own_origin_is_accepted()
    {
        var run = await _server.CreateRunAsync(_server.AddDataset().Id);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/runs/{run.Id}/cancel");
        request.Headers.TryAddWithoutValidation("Origin", _server.BaseAddress.GetLeftPart(UriPartial.Authority));
        request.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "same-origin");
        using var response = await _server.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}");
    }

    [Fact]
    public async Task On_loopback_a_foreign_host_name_is_refused()
    {
        // What a DNS-rebinding page would send: its own name, resolving to 127.0.0.1.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/runs");
        request.Headers.Host = "rebind.evil.example";
        using var response = await _server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);

        using var local = new HttpRequestMessage(HttpMethod.Get, "/api/runs");
        local.Headers.Host = $"localhost:{_server.BaseAddress.Port}";
        using var ok = await _server.Http.SendAsync(local);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }
}
