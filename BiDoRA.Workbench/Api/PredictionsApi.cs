using System.Text;
using BiDoRA.Workbench.Services.Predictions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace BiDoRA.Workbench.Api;

internal static class PredictionsApi
{
    public static RouteGroupBuilder MapPredictionsApi(this RouteGroupBuilder api)
    {
        var runs = api.MapGroup("/runs").WithTags("Predictions");
        runs.MapPost("/{id}/predict", PredictWithRun)
            .WithName("Predict")
            .WithSummary("Predict sequences (a list, or pasted FASTA/lines in 'text') with a completed run: classes with probabilities, or values");
        runs.MapPost("/{id}/predict/file", PredictFile)
            .WithName("PredictFile")
            .WithSummary("Predict every sequence of an uploaded FASTA, CSV/TSV (sequence column) or text file (multipart field 'file'); answers CSV");
        api.MapPost("/sweeps/{id}/predict", PredictWithEnsemble)
            .WithTags("Predictions")
            .WithName("PredictWithEnsemble")
            .WithSummary("Predict sequences with a sweep's completed runs of one method together: mean and sd of each class probability (or value) and the members' agreement");
        api.MapPost("/predict", Predict)
            .WithTags("Predictions")
            .WithName("PredictByRunId")
            .WithSummary("As POST /api/runs/{id}/predict, with the run named by 'runId' in the body");
        return api;
    }

    /// <param name="Sequences">Sequences to predict, in order.</param>
    /// <param name="Text">Or: pasted text, FASTA or one sequence per line.</param>
    public sealed record PredictRequest(IReadOnlyList<string>? Sequences, string? Text);

    /// <param name="RunId">A completed run.</param>
    public sealed record PredictByRunIdRequest(string? RunId, IReadOnlyList<string>? Sequences, string? Text);

    /// <param name="Method">Whose runs vote: full, lora, dora or bidora.</param>
    /// <param name="Sequences">Sequences to predict, in order.</param>
    public sealed record EnsembleRequest(string? Method, IReadOnlyList<string>? Sequences);

    public static async Task<Results<Ok<EnsemblePredictions>, ProblemHttpResult>> PredictWithEnsemble(string id, EnsembleRequest request, PredictionService predictions, CancellationToken cancellationToken)
    {
        if (request.Sequences is null) return ApiProblems.Validation(new Dictionary<string, string[]> { ["sequences"] = ["is required: a list of sequences."] });
        try
        {
            return TypedResults.Ok(await predictions.PredictEnsembleAsync(id, request.Method, request.Sequences, cancellationToken));
        }
        catch (PredictionException e)
        {
            return Problem(e, fileUpload: false);
        }
    }

    public static Task<Results<Ok<RunPredictions>, ProblemHttpResult>> PredictWithRun(string id, PredictRequest request, PredictionService predictions, CancellationToken cancellationToken) =>
        PredictAsync(id, request.Sequences, request.Text, predictions, cancellationToken);

    public static Task<Results<Ok<RunPredictions>, ProblemHttpResult>> Predict(PredictByRunIdRequest request, PredictionService predictions, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.RunId))
        {
            return Task.FromResult<Results<Ok<RunPredictions>, ProblemHttpResult>>(ApiProblems.Validation(new Dictionary<string, string[]> { ["runId"] = ["is required: the id of a completed run."] }));
        }
        return PredictAsync(request.RunId, request.Sequences, request.Text, predictions, cancellationToken);
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> PredictFile(
        string id, HttpRequest request, PredictionService predictions, IOptions<WorkbenchOptions> options, CancellationToken cancellationToken)
    {
        try
        {
            // The run first: no point reading an upload for a run that cannot predict.
            predictions.EnsureReady(id);
        }
        catch (PredictionException e)
        {
            return Problem(e, fileUpload: true);
        }
        var (upload, problem) = await UploadReader.ReadAsync(request, options.Value.MaxUploadBytes, cancellationToken);
        if (problem is not null) return problem;
        try
        {
            await using var content = upload!.File.OpenReadStream();
            var result = await predictions.PredictFileAsync(id, content, upload.File.FileName, cancellationToken);
            var csv = new StringWriter(new StringBuilder(), System.Globalization.CultureInfo.InvariantCulture);
            PredictionService.WriteCsv(result, csv);
            var name = Path.GetFileNameWithoutExtension(Path.GetFileName(upload.File.FileName.Replace('\\', '/')));
            return TypedResults.File(new UTF8Encoding(false).GetBytes(csv.ToString()), "text/csv", $"{(name.Length > 0 ? name : "sequences")}-predictions-{id}.csv");
        }
        catch (PredictionException e)
        {
            return Problem(e, fileUpload: true);
        }
    }

    private static async Task<Results<Ok<RunPredictions>, ProblemHttpResult>> PredictAsync(
        string id, IReadOnlyList<string>? sequences, string? text, PredictionService predictions, CancellationToken cancellationToken)
    {
        if (sequences is not null && text is not null)
        {
            return ApiProblems.Validation(new Dictionary<string, string[]> { ["text"] = ["give 'sequences' or 'text', not both."] });
        }
        if (sequences is null && string.IsNullOrWhiteSpace(text))
        {
            return ApiProblems.Validation(new Dictionary<string, string[]> { ["sequences"] = ["is required: a list of sequences (or pasted FASTA in 'text')."] });
        }
        try
        {
            var result = sequences is not null
                ? await predictions.PredictAsync(id, sequences, cancellationToken)
                : await predictions.PredictTextAsync(id, text, cancellationToken);
            return TypedResults.Ok(result);
        }
        catch (PredictionException e)
        {
            return Problem(e, fileUpload: false);
        }
    }

    /// <summary>404 unknown run, 409 run not ready, 413 too many sequences, 400 (JSON) or 422 (file) for unusable sequences.</summary>
    private static ProblemHttpResult Problem(PredictionException e, bool fileUpload)
    {
        switch (e.Problem)
        {
            case PredictionProblem.RunNotFound:
                return ApiProblems.NotFound(e.Field, e.Message);
            case PredictionProblem.RunNotReady:
                return ApiProblems.Conflict(e.Field, e.Message);
            case PredictionProblem.TooManySequences:
                return ApiProblems.TooLarge(e.Field, e.Message);
            default:
                var errors = new Dictionary<string, string[]>
                {
                    [e.Field] = e.Issues.Count > 0 ? [.. e.Issues.Select(i => i.ToString())] : [e.Message],
                };
                var status = fileUpload ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status400BadRequest;
                var details = ApiProblems.Details(status, fileUpload ? "The file could not be read" : "Invalid sequences", errors, e.Message);
                details.Extensions["issues"] = e.Issues;
                details.Extensions["issuesNotShown"] = e.IssuesNotShown;
                return TypedResults.Problem(details);
        }
    }
}
