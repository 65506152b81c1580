using System.Net;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Security;

public sealed class SecurityHeadersTests : IAsyncLifetime
{
    private WorkbenchServer _server = null!;

    public async Task InitializeAsync() => _server = await WorkbenchServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("/")]
    [InlineData("/runs")]
    [InlineData("/api/health")]
    [InlineData("/api/runs/nosuchrun")]
    public async Task Every_response_carries_the_security_headers(string path)
    {
        using var response = await _server.Http.GetAsync(path);
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("script-src 'self';", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }

    [Fact]
    public async Task Pages_load_no_script_from_elsewhere_and_no_inline_script()
    {
        var html = await _server.Http.GetStringAsync("/");
        Assert.DoesNotContain("<script>", html);
        Assert.DoesNotContain("src=\"http", html);
        Assert.DoesNotContain("fonts.googleapis", html);
        using var script = await _server.Http.GetAsync("/_framework/blazor.web.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }
}
