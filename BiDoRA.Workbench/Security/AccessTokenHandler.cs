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
    AccessPolicy policy,
    SignInThrottle throttle) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private TimeSpan? _lockedFor;

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
        _lockedFor = throttle.LockedFor(Context.Connection.RemoteIpAddress);
        if (_lockedFor is not null) return Task.FromResult(AuthenticateResult.Fail("Too many wrong access tokens from this address."));
        if (Matches(presented, policy.Token)) return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(Principal(SchemeName), SchemeName)));
        throttle.RecordFailure(Context.Connection.RemoteIpAddress);
        return Task.FromResult(AuthenticateResult.Fail("The access token is wrong."));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (_lockedFor is { } wait)
        {
            Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Results.Problem(SignInThrottle.Describe(wait), statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(Context);
            return;
        }
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
    }

    private static bool IsHubPath(HttpRequest request) => request.Path.StartsWithSegments("/hubs");
}
