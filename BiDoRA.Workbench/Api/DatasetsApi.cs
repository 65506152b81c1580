using BiDoRA.Engine.Data;
using BiDoRA.Workbench.Services.Datasets;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace BiDoRA.Workbench.Api;

internal static class DatasetsApi
{
    public static RouteGroupBuilder MapDatasetsApi(this RouteGroupBuilder api)
    {
        var datasets = api.MapGroup("/datasets").WithTags("Datasets");
        datasets.MapPost("/", ImportDataset)
            .WithName("ImportDataset")
            .WithSummary("Import a CSV, TSV, FASTA or .xlsx file (multipart field 'file'; optional fields name, sequenceColumn, labelColumn, idColumn, splitColumn, task, sheet, longSequences, dropInvalidRows, testFraction)");
        datasets.MapPost("/inspect", InspectDataset)
            .WithName("InspectDataset")
            .WithSummary("Detect columns and task and list every problem of a file, without saving it (same fields as the import)");
        datasets.MapGet("/", ListDatasets)
            .WithName("ListDatasets")
            .WithSummary("List datasets, newest first");
        datasets.MapGet("/{id}", GetDataset)
            .WithName("GetDataset")
            .WithSummary("Get one dataset");
        datasets.MapGet("/{id}/rows", GetRows)
            .WithName("GetDatasetRows")
            .WithSummary("A window of the dataset's normalised rows");
        datasets.MapGet("/{id}/statistics", GetStatistics)
            .WithName("GetDatasetStatistics")
            .WithSummary("Rows per split, class balance or label histogram, length histogram, residue composition");
        datasets.MapGet("/{id}/audit", GetAudit)
            .WithName("GetDatasetAudit")
            .WithSummary("The leakage audit: per test sequence the identity of its nearest training sequence (MMseqs2), as a histogram, with a warning at or above 'threshold' (default Workbench:LeakageThreshold, 0.9)");
        datasets.MapPost("/{id}/audit", StartAudit)
            .WithName("StartDatasetAudit")
            .WithSummary("Run the leakage audit again (in the background)");
        datasets.MapPost("/{id}/audit/cancel", CancelAudit)
            .WithName("CancelDatasetAudit")
            .WithSummary("Stop a queued or running leakage audit");
        datasets.MapDelete("/{id}", DeleteDataset)
            .WithName("DeleteDataset")
            .WithSummary("Delete a dataset (runs made from it keep their own copy)");

        var samples = api.MapGroup("/samples").WithTags("Datasets");
        samples.MapGet("/", ListSamples)
            .WithName("ListSamples")
            .WithSummary("The sample datasets shipped with the workbench");
        samples.MapPost("/{name}", AddSample)
            .WithName("AddSample")
            .WithSummary("Add a sample (its train and test files) as one dataset");
        return api;
    }

    public static async Task<Results<Created<DatasetRecord>, ProblemHttpResult>> ImportDataset(
        HttpRequest request, DatasetService datasets, IOptions<WorkbenchOptions> options, CancellationToken cancellationToken)
    {
        var (upload, problem) = await UploadReader.ReadAsync(request, options.Value.MaxUploadBytes, cancellationToken);
        if (problem is not null) return problem;
        var (choices, errors) = DatasetImportForm.Parse(upload!.Form);
        if (errors.Count > 0) return ApiProblems.Validation(errors);

        await using var content = upload.File.OpenReadStream();
        var outcome = await datasets.ImportAsync(content, upload.File.FileName, choices, cancellationToken);
        return outcome.Dataset is { } dataset
            ? TypedResults.Created($"/api/datasets/{dataset.Id}", dataset)
            : Refused(upload.File.FileName, outcome.Errors, outcome.ErrorsNotShown);
    }

    public static async Task<Results<Ok<DatasetInspection>, ProblemHttpResult>> InspectDataset(
        HttpRequest request, DatasetService datasets, IOptions<WorkbenchOptions> options, CancellationToken cancellationToken)
    {
        var (upload, problem) = await UploadReader.ReadAsync(request, options.Value.MaxUploadBytes, cancellationToken);
        if (problem is not null) return problem;
        var (choices, errors) = DatasetImportForm.Parse(upload!.Form);
        if (errors.Count > 0) return ApiProblems.Validation(errors);

        await using var content = upload.File.OpenReadStream();
        return TypedResults.Ok(await datasets.InspectAsync(content, upload.File.FileName, choices, cancellationToken));
    }

    public static Ok<IReadOnlyList<DatasetRecord>> ListDatasets(DatasetService datasets) => TypedResults.Ok(datasets.List());

    public static Results<Ok<DatasetRecord>, ProblemHttpResult> GetDataset(string id, DatasetService datasets) =>
        datasets.Get(id) is { } dataset ? TypedResults.Ok(dataset) : NotFound(id);

    /// <param name="offset">Index of the first row (default 0).</param>
    /// <param name="count">Rows to return, 1 to 1000 (default 100).</param>
    public static Results<Ok<DatasetRowPage>, ProblemHttpResult> GetRows(string id, DatasetService datasets, int? offset, int? count)
    {
        var errors = new Dictionary<string, string[]>();
        if (offset is < 0) errors["offset"] = ["must be 0 or more."];
        if (count is < 1 or > DatasetService.MaxRowsPerPage) errors["count"] = [$"must be between 1 and {DatasetService.MaxRowsPerPage}."];
        if (errors.Count > 0) return ApiProblems.Validation(errors);
        return datasets.ReadRows(id, offset ?? 0, count ?? 100) is { } page ? TypedResults.Ok(page) : NotFound(id);
    }

    public static async Task<Results<Ok<DatasetStatistics>, ProblemHttpResult>> GetStatistics(string id, DatasetService datasets, CancellationToken cancellationToken) =>
        await datasets.GetStatisticsAsync(id, cancellationToken) is { } statistics ? TypedResults.Ok(statistics) : NotFound(id);

    /// <param name="threshold">Identity in (0, 1] from which test sequences count as leaked.</param>
    public static Results<Ok<LeakageAuditView>, ProblemHttpResult> GetAudit(string id, LeakageAuditService audits, double? threshold)
    {
        if (threshold is not null and (<= 0 or > 1 or double.NaN)) return ApiProblems.Validation(new Dictionary<string, string[]> { ["threshold"] = ["must be in (0, 1], e.g. 0.9."] });
        return audits.View(id, threshold) is { } view ? TypedResults.Ok(view) : NotFound(id);
    }

    public static Results<Accepted<LeakageAuditView>, ProblemHttpResult> StartAudit(string id, DatasetService datasets, LeakageAuditService audits)
    {
        if (datasets.Get(id) is not { } dataset) return NotFound(id);
        if (dataset.TestRows == 0 || dataset.TrainRows == 0) return ApiProblems.Validation(new Dictionary<string, string[]> { ["id"] = ["The dataset has no train/test split to audit."] });
        audits.Enqueue(id);
        return TypedResults.Accepted($"/api/datasets/{id}/audit", audits.View(id));
    }

    public static Results<Ok<LeakageAuditView>, ProblemHttpResult> CancelAudit(string id, LeakageAuditService audits)
    {
        if (audits.View(id) is null) return NotFound(id);
        audits.Cancel(id);
        return TypedResults.Ok(audits.View(id)!);
    }

    public static Results<NoContent, ProblemHttpResult> DeleteDataset(string id, DatasetService datasets) =>
        datasets.Delete(id) ? TypedResults.NoContent() : NotFound(id);

    public static Ok<IReadOnlyList<SampleInfo>> ListSamples(DatasetService datasets) => TypedResults.Ok(datasets.ListSamples());

    public static async Task<Results<Created<DatasetRecord>, ProblemHttpResult>> AddSample(string name, DatasetService datasets, CancellationToken cancellationToken)
    {
        var outcome = await datasets.AddSampleAsync(name, cancellationToken);
        if (outcome is null)
        {
            return ApiProblems.NotFound("name", $"No sample is named '{name}'. Samples: {string.Join(", ", SampleDatasets.All.Select(s => s.Name))}.");
        }
        return outcome.Dataset is { } dataset
            ? TypedResults.Created($"/api/datasets/{dataset.Id}", dataset)
            : Refused(name, outcome.Errors, outcome.ErrorsNotShown);
    }

    /// <summary>
    /// 422 listing every problem: "errors" by field, each message naming file, row and field (and position), and
    /// "issues" with the same as structured data; beyond the listed ones only a count.
    /// </summary>
    internal static ProblemHttpResult Refused(string fileName, IReadOnlyList<DataIssue> issues, int notShown)
    {
        var errors = issues.GroupBy(i => i.Field).ToDictionary(g => g.Key, g => g.Select(i => i.ToString()).ToArray());
        var total = issues.Count + notShown;
        var first = issues.Count > 0 ? $" First: {issues[0]}" : "";
        var more = notShown > 0 ? $" ({issues.Count} listed, {notShown} more not listed)" : "";
        var details = ApiProblems.Details(StatusCodes.Status422UnprocessableEntity, "The file could not be imported", errors,
            $"{Path.GetFileName(fileName)} was not imported: {total} problem{(total == 1 ? "" : "s")}{more}; nothing was saved.{first}");
        details.Extensions["issues"] = issues;
        details.Extensions["issuesNotShown"] = notShown;
        return TypedResults.Problem(details);
    }

    private static ProblemHttpResult NotFound(string id) => ApiProblems.NotFound("id", $"No dataset has the id '{id}'.");
}
