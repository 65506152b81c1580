using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace BiDoRA.Workbench.Security;

/// <summary>
/// Authenticates "Authorization: Bearer &lt;token&gt;", and for the training hub also "?access_token=&lt;token&gt;"
/// (browsers cannot set headers on WebSockets). Browsers on pages use the cookie the login page sets instead.
/// </summary>
internal sealed class AccessTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AccessPolicy policy) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AccessToken";

    public static bool CarriesToken(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
        || (IsHubPath(request) && request.Query.ContainsKey("access_token"));

    public static ClaimsPrincipal Principal(string scheme) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "workbench")], scheme));

    public static bool Matches(string? presented, string? expected)
    {
        if (string.IsNullOrEmpty(presented) || string.IsNullOrEmpty(expected)) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented.Trim()), Encoding.UTF8.GetBytes(expected));
    }

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? header["Bearer ".Length..]
            : IsHubPath(Request) ? Request.Query["access_token"].ToString() : null;
        if (string.IsNullOrEmpty(presented)) return Task.FromResult(AuthenticateResult.NoResult());
        return Task.FromResult(Matches(presented, policy.Token)
            ? AuthenticateResult.Success(new AuthenticationTicket(Principal(SchemeName), SchemeName))
            : AuthenticateResult.Fail("The access token is wrong."));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }

    private static bool IsHubPath(HttpRequest request) => request.Path.StartsWithSegments("/hubs");
}
