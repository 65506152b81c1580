using System.Net;
using System.Net.Http.Headers;
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
}
