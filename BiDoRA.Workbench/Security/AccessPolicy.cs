namespace BiDoRA.Workbench.Security;

/// <summary>Whether callers must present the access token, decided once from where the workbench listens.</summary>
internal sealed record AccessPolicy(bool RequireToken, string? Token)
{
    /// <summary>
    /// Loopback only: open, unless a token is configured. Anything else: the token is required, and starting without
    /// one is refused.
    /// </summary>
    public static AccessPolicy For(IReadOnlyList<string> urls, string? token)
    {
        var hasToken = !string.IsNullOrWhiteSpace(token);
        var exposed = urls.Where(u => !ListenAddresses.IsLoopback(u)).ToList();
        if (exposed.Count > 0 && !hasToken)
        {
            throw new WorkbenchStartupException(
                $"The workbench would listen on {string.Join(", ", exposed)}, which other machines can reach, but no access token is set. "
                + "Set one with the environment variable Workbench__AccessToken (or \"Workbench\": { \"AccessToken\": \"...\" } in appsettings.json), "
                + "or listen on 127.0.0.1 only (--urls http://127.0.0.1:5000).");
        }
        return new AccessPolicy(hasToken, hasToken ? token!.Trim() : null);
    }
}
