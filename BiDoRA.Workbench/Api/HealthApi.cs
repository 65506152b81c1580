namespace BiDoRA.Workbench.Api;

internal static class HealthApi
{
    public static RouteGroupBuilder MapHealthApi(this RouteGroupBuilder api)
    {
        api.MapGet("/health", GetHealth)
            .WithName("GetHealth")
            .WithSummary("Is the workbench up")
            .WithTags("Health");
        return api;
    }

    public sealed record Health(string Status, string Version);

    private static Health GetHealth() =>
        new("ok", typeof(HealthApi).Assembly.GetName().Version?.ToString() ?? "0");
}
