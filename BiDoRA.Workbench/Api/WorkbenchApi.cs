namespace BiDoRA.Workbench.Api;

/// <summary>Everything under /api.</summary>
internal static class WorkbenchApi
{
    public static IEndpointRouteBuilder MapWorkbenchApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapHealthApi();
        api.MapModelsApi();
        api.MapTrainedModelsApi();
        api.MapRunsApi();
        api.MapExportsApi();
        api.MapDatasetsApi();
        api.MapPredictionsApi();
        api.MapAnalysisApi();
        api.MapSweepsApi();
        return app;
    }
}
