namespace BiDoRA.Workbench.Security;

/// <summary>Headers on every response. The policy fits Blazor Server, MudBlazor and Plotly without allowing eval.</summary>
internal static class SecurityHeaders
{
    // MudBlazor and Plotly set inline styles, so styles need 'unsafe-inline'; scripts come only from this origin
    // (Plotly's one `new Function` sits in a try/catch with a fallback). 'self' covers the same-origin WebSockets
    // of Blazor's circuit and the training hub.
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        + "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
        + "form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
            return Task.CompletedTask;
        });
        return next(context);
    });
}
