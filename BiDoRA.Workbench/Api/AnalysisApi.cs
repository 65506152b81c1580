using BiDoRA.Engine.Evaluation;
using BiDoRA.Workbench.Services.Evaluation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BiDoRA.Workbench.Api;

/// <summary>A run's weight-decomposition analysis and its report.</summary>
internal static class AnalysisApi
{
    public static RouteGroupBuilder MapAnalysisApi(this RouteGroupBuilder api)
    {
        var runs = api.MapGroup("/runs").WithTags("Runs");
        runs.MapGet("/{id}/analysis", GetAnalysis)
            .WithName("GetRunAnalysis")
            .WithSummary("ΔM and ΔD of every adapted matrix at every analysis snapshot, with the slope k of ΔM on ΔD and the correlation r (overall and per module kind)");
        runs.MapGet("/{id}/report", GetReport)
            .WithName("GetRunReport")
            .WithSummary("Download the run's self-contained HTML report");
        return api;
    }

    public static async Task<Results<Ok<WeightDecompositionResult>, ProblemHttpResult>> GetAnalysis(string id, EvaluationService evaluation, CancellationToken cancellationToken)
    {
        try
        {
            return await evaluation.AnalyzeAsync(id, cancellationToken) is { } result ? TypedResults.Ok(result) : RunNotFound(id);
        }
        catch (InvalidDataException e)
        {
            return TypedResults.Problem(ApiProblems.Details(StatusCodes.Status422UnprocessableEntity, "The run cannot be analysed", e.Message, "id"));
        }
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetReport(string id, ReportService reports, CancellationToken cancellationToken) =>
        await reports.RunReportAsync(id, cancellationToken) is { } html ? SweepsApi.Html(html, $"run-{id}.html") : RunNotFound(id);

    private static ProblemHttpResult RunNotFound(string id) => ApiProblems.NotFound("id", $"No run has the id '{id}'.");
}
