using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using BiDoRA.Workbench.Security;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Security;

/// <summary>
/// Bound beyond loopback with an access token: every way in (pages, the Blazor circuit, samples, API, hub) needs the
/// token or the login cookie, and being signed in does not open the door to other sites.
/// </summary>
public sealed partial class ExposedAccessTests : IAsyncLifetime
{
    private const string Token = "tardigrade-lysozyme-42";

    private WorkbenchServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await WorkbenchServer.StartAsync(
            urls: "http://0.0.0.0:0",
            configuration: new Dictionary<string, string?> { ["Workbench:AccessToken"] = Token });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("GET", "/")]
    [InlineData("GET", "/runs")]
    [InlineData("GET", "/datasets")]
    [InlineData("GET", "/samples/bbp/train.csv")]
    [InlineData("POST", "/_blazor/negotiate?negotiateVersion=1")]
    [InlineData("GET", "/api/runs")]
    [InlineData("POST", "/api/runs")]
    [InlineData("POST", "/hubs/training/negotiate?negotiateVersion=1")]
    public async Task Without_the_token_nothing_is_served(string method, string path)
    {
        using var anonymous = NewBrowser(out _);
        using var response = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.True(
            response.StatusCode == HttpStatusCode.Unauthorized
            || (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.OriginalString.Contains("/login", StringComparison.Ordinal)),
            $"{method} {path} answered {(int)response.StatusCode}");
    }

    [Theory]
    [InlineData("/runs")]
    [InlineData("/samples/bbp/train.csv")]
    [InlineData("/api/runs")]
    public async Task The_token_as_a_bearer_header_opens_pages_samples_and_api(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await _server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("//evil.example/runs")]
    [InlineData("/\\evil.example")]
    [InlineData("https://evil.example/")]
    public async Task Signing_in_never_redirects_to_another_site(string returnUrl)
    {
        using var browser = NewBrowser(out _);
        var query = "/login?ReturnUrl=" + Uri.EscapeDataString(returnUrl);
        using var login = await SignInAsync(browser, query);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var target = login.Headers.Location!;
        var absolute = target.IsAbsoluteUri ? target : new Uri(_server.BaseAddress, target);
        Assert.Equal(_server.BaseAddress.Authority, absolute.Authority);
        Assert.Equal("/", absolute.AbsolutePath);
    }

    [Fact]
    public async Task A_signed_in_browser_cannot_be_used_by_another_site_to_change_anything()
    {
        using var browser = NewBrowser(out var cookies);
        using (var login = await SignInAsync(browser, "/login"))
        {
            Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        }
        var cookie = Assert.Single(cookies.GetAllCookies(), c => c.Name == "bidora.auth");
        Assert.True(cookie.HttpOnly);
        using (var page = await browser.GetAsync("/runs"))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        using var forged = new HttpRequestMessage(HttpMethod.Post, "/api/runs") { Content = JsonContent("{\"datasetId\":\"x\"}") };
        forged.Headers.TryAddWithoutValidation("Origin", "http://evil.example");
        using var refused = await browser.SendAsync(forged);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task A_token_configured_on_loopback_is_required_there_too()
    {
        await using var local = await WorkbenchServer.StartAsync(configuration: new Dictionary<string, string?> { ["Workbench:AccessToken"] = Token });
        using var anonymous = await local.Http.GetAsync("/api/runs");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task After_ten_wrong_tokens_an_address_is_refused_for_a_while_even_with_the_right_one()
    {
        for (var i = 0; i < SignInThrottle.MaxFailures; i++)
        {
            using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/runs");
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "guess-" + i);
            using var refused = await _server.Http.SendAsync(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using var right = new HttpRequestMessage(HttpMethod.Get, "/api/runs");
        right.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var locked = await _server.Http.SendAsync(right);
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.InRange(locked.Headers.RetryAfter?.Delta?.TotalSeconds ?? 0, 1, SignInThrottle.Window.TotalSeconds);
        Assert.Contains("Too many wrong access tokens", await locked.Content.ReadAsStringAsync());

        // The login form counts the same failures and says so instead of signing in.
        using var browser = NewBrowser(out var cookies);
        using var login = await SignInAsync(browser, "/login");
        Assert.Equal(HttpStatusCode.TooManyRequests, login.StatusCode);
        Assert.Contains("Too many wrong access tokens from this address. Try again in 10 minutes.", System.Net.WebUtility.HtmlDecode(await login.Content.ReadAsStringAsync()));
        Assert.DoesNotContain(cookies.GetAllCookies(), c => c.Name == "bidora.auth");
    }

    [Fact]
    public async Task Wrong_tokens_typed_into_the_login_form_count_towards_the_limit()
    {
        using var browser = NewBrowser(out _);
        for (var i = 0; i < SignInThrottle.MaxFailures; i++)
        {
            using var wrong = await SignInAsync(browser, "/login", "typo-" + i);
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            Assert.Contains("That token is not right.", await wrong.Content.ReadAsStringAsync());
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/runs");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var locked = await _server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
    }

    private HttpClient NewBrowser(out CookieContainer cookies)
    {
        cookies = new CookieContainer();
        var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies };
        return new HttpClient(handler, disposeHandler: true) { BaseAddress = _server.BaseAddress };
    }

    private static async Task<HttpResponseMessage> SignInAsync(HttpClient browser, string loginPath, string token = Token)
    {
        var form = await browser.GetStringAsync(loginPath);
        var antiforgery = AntiforgeryField().Match(form);
        Assert.True(antiforgery.Success, "the login form carries no antiforgery token");
        return await browser.PostAsync(loginPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = antiforgery.Groups[1].Value,
            ["Input.Token"] = token,
        }));
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
