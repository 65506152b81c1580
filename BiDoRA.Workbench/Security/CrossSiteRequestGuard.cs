namespace BiDoRA.Workbench.Security;

/// <summary>
/// Refuses state-changing requests that a browser made on behalf of another site. Without a token the workbench is
/// open on loopback, so any page the user visits could otherwise post to http://127.0.0.1:5000/api/... (a form post
/// needs no CORS preflight). Browsers label such requests with Sec-Fetch-Site or Origin; scripts and curl send
/// neither and are unaffected.
/// </summary>
internal static class CrossSiteRequestGuard
{
    public static IApplicationBuilder UseCrossSiteRequestGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (IsUnsafe(context.Request.Method) && IsCrossSite(context.Request))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = Api.ApiProblems.Details(
                    StatusCodes.Status403Forbidden, "Cross-site request refused",
                    "The workbench accepts changes only from its own pages or from clients that are not browsers.", "origin"),
            });
            return;
        }
        await next(context);
    });

    internal static bool IsCrossSite(HttpRequest request)
    {
        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if (fetchSite.Length > 0) return fetchSite is not ("same-origin" or "none");
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0 || origin == "null") return origin == "null";
        return !Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            || !string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsUnsafe(string method) =>
        !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method));
}
