using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Security;

public sealed partial class AccessTokenTests
{
    private const string Token = "correct-horse-battery-staple";

    [Fact]
    public async Task Listening_beyond_loopback_without_a_token_refuses_to_start()
    {
        var error = await Assert.ThrowsAsync<WorkbenchStartupException>(() => WorkbenchServer.StartAsync(urls: "http://0.0.0.0:0"));
        Assert.Contains("0.0.0.0", error.Message);
        Assert.Contains("AccessToken", error.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", true)]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://[::1]:5000", true)]
    [InlineData("http://0.0.0.0:5000", false)]
    [InlineData("http://*:5000", false)]
    [InlineData("http://+:5000", false)]
    [InlineData("http://[::]:5000", false)]
    [InlineData("http://192.168.1.10:5000", false)]
    [InlineData("http://workbench.lab:5000", false)]
    public void Loopback_addresses_are_told_apart(string url, bool loopback) =>
        Assert.Equal(loopback, BiDoRA.Workbench.Security.ListenAddresses.IsLoopback(url));

    [Fact]
    public async Task With_a_token_the_api_requires_it()
    {
        await using var server = await StartExposedAsync();
        using (var anonymous = await server.Http.GetAsync("/api/runs"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }
        using (var wrong = await SendAsync(server, "/api/runs", "not-the-token"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        using (var right = await SendAsync(server, "/api/runs", Token))
        {
            Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        }
        using var openApi = await server.Http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.Unauthorized, openApi.StatusCode);
    }

    [Fact]
    public async Task With_a_token_the_hub_requires_it()
    {
        await using var server = await StartExposedAsync();
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => HubTestClient.ConnectAsync(server.BaseAddress));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        var dataset = server.AddDataset();
        server.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var run = await server.CreateRunAsync(dataset.Id);
        await using var client = await HubTestClient.ConnectAsync(server.BaseAddress, Token);
        var joined = await client.JoinAsync(run.Id, 0);
        Assert.Equal(run.Id, joined.Run.Id);
    }

    [Fact]
    public async Task With_a_token_pages_redirect_to_a_login_form_that_sets_a_cookie()
    {
        await using var server = await StartExposedAsync();
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler) { BaseAddress = server.BaseAddress };

        using (var page = await browser.GetAsync("/runs"))
        {
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.StartsWith("/login", page.Headers.Location!.PathAndQuery);
        }

        // Without the antiforgery token the form post is refused.
        using (var forged = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["Input.Token"] = Token,
        })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        }

        var form = await browser.GetStringAsync("/login?ReturnUrl=%2Fruns");
        var antiforgery = AntiforgeryField().Match(form);
        Assert.True(antiforgery.Success, "the login form carries no antiforgery token");

        using (var wrong = await browser.PostAsync("/login?ReturnUrl=%2Fruns", Form(antiforgery.Groups[1].Value, "wrong")))
        {
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            Assert.Contains("not right", await wrong.Content.ReadAsStringAsync());
        }
        using (var login = await browser.PostAsync("/login?ReturnUrl=%2Fruns", Form(antiforgery.Groups[1].Value, Token)))
        {
            Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
            Assert.Equal("/runs", login.Headers.Location!.OriginalString.Replace(server.BaseAddress.ToString().TrimEnd('/'), ""));
        }
        using var after = await browser.GetAsync("/runs");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Contains("Runs", await after.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task On_loopback_without_a_token_everything_is_open()
    {
        await using var server = await WorkbenchServer.StartAsync();
        using var page = await server.Http.GetAsync("/runs");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using var api = await server.Http.GetAsync("/api/runs");
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
    }

    private static Task<WorkbenchServer> StartExposedAsync() =>
        WorkbenchServer.StartAsync(urls: "http://0.0.0.0:0", configuration: new Dictionary<string, string?> { ["Workbench:AccessToken"] = Token });

    private static async Task<HttpResponseMessage> SendAsync(WorkbenchServer server, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await server.Http.SendAsync(request);
    }

    private static FormUrlEncodedContent Form(string antiforgery, string token) => new(new Dictionary<string, string>
    {
        ["_handler"] = "login",
        ["__RequestVerificationToken"] = antiforgery,
        ["Input.Token"] = token,
    });

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
