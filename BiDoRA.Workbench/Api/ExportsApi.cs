using BiDoRA.Engine.Interop;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BiDoRA.Workbench.Api;

internal static class ExportsApi
{
    public static RouteGroupBuilder MapExportsApi(this RouteGroupBuilder api)
    {
        api.MapGroup("/runs").WithTags("Runs")
            .MapGet("/{id}/export", ExportRun)
            .WithName("ExportRun")
            .WithSummary("A completed run for the Hugging Face ecosystem as a zip: format=peft (adapter_config.json, adapter_model.safetensors, README.md) or format=merged (an EsmForSequenceClassification folder)");
        return api;
    }

    /// <returns>200 zip; 400 unknown format; 404 unknown run; 409 run not completed or the format not possible for it (full fine-tuning: merged only).</returns>
    public static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> ExportRun(string id, string? format, RunStore runs, RunExports exports, CancellationToken cancellationToken)
    {
        if (runs.Get(id) is not { } run) return ApiProblems.NotFound("id", $"No run has the id '{id}'.");
        ExportFormat chosen;
        switch (format?.Trim().ToLowerInvariant())
        {
            case "peft": chosen = ExportFormat.Peft; break;
            case "merged": chosen = ExportFormat.Merged; break;
            default:
                return ApiProblems.Validation(new Dictionary<string, string[]> { ["format"] = ["must be 'peft' or 'merged'."] });
        }
        if (exports.WhyNot(run, chosen) is { } reason) return ApiProblems.Conflict("format", reason);
        var zip = await exports.ZipAsync(run, chosen, cancellationToken);
        return TypedResults.File(zip, "application/zip", fileDownloadName: RunExports.FileName(run, chosen));
    }
}
