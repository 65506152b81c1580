using System.Text;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Workbench.Services.Evaluation;
using BiDoRA.Workbench.Services.Sweeps;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BiDoRA.Workbench.Api;

/// <summary>Sweeps (methods × seeds), their comparison and their report.</summary>
internal static class SweepsApi
{
    public static RouteGroupBuilder MapSweepsApi(this RouteGroupBuilder api)
    {
        var sweeps = api.MapGroup("/sweeps").WithTags("Sweeps");
        sweeps.MapPost("/", CreateSweep)
            .WithName("CreateSweep")
            .WithSummary("Queue one run per method and seed with otherwise equal settings");
        sweeps.MapGet("/", ListSweeps)
            .WithName("ListSweeps")
            .WithSummary("List sweeps with their runs' statuses, newest first");
        sweeps.MapGet("/{id}", GetSweep)
            .WithName("GetSweep")
            .WithSummary("Get a sweep with the status of each of its runs");
        sweeps.MapPost("/{id}/cancel", CancelSweep)
            .WithName("CancelSweep")
            .WithSummary("Cancel the sweep's queued and running runs");
        sweeps.MapGet("/{id}/compare", CompareSweep)
            .WithName("CompareSweep")
            .WithSummary("Mean ± sd of every metric per method, #Params, training time, and a Wilcoxon signed-rank test of b against a paired by seed (query: a, b, metric, alternative=two-sided|greater|less, zeroMethod=wilcox|pratt, pValue=auto|exact|normal, correction)");
        sweeps.MapGet("/{id}/report", SweepReport)
            .WithName("GetSweepReport")
            .WithSummary("Download the sweep's self-contained HTML report (same query as compare)");

        api.MapGet("/compare", CompareRuns)
            .WithTags("Sweeps")
            .WithName("CompareRuns")
            .WithSummary("Compare chosen runs (query runs=id1,id2,...), grouped by method, with the options of a sweep comparison");
        api.MapGet("/compare/report", CompareRunsReport)
            .WithTags("Sweeps")
            .WithName("GetCompareRunsReport")
            .WithSummary("Download the self-contained HTML report of chosen runs (query runs=id1,id2,...), with the options of a sweep comparison");
        api.MapGet("/compare/pooled", ComparePooled)
            .WithTags("Sweeps")
            .WithName("ComparePooledSweeps")
            .WithSummary("Pool several sweeps (tasks) into one Wilcoxon test of b against a paired by (sweep, seed, fold), each sweep on its own headline metric, with each sweep's own test (query sweeps=id1,id2,..., a, b, alternative, zeroMethod, pValue, correction)");
        api.MapGet("/compare/pooled/report", ComparePooledReport)
            .WithTags("Sweeps")
            .WithName("GetPooledComparisonReport")
            .WithSummary("Download the pooled comparison's self-contained HTML report (same query as compare/pooled)");
        return api;
    }

    public static Results<Created<SweepDetails>, ProblemHttpResult> CreateSweep(NewSweepRequest request, SweepService service)
    {
        var errors = service.Validate(request);
        if (errors.Count > 0) return ApiProblems.Validation(errors);
        var sweep = service.Create(request);
        return TypedResults.Created($"/api/sweeps/{sweep.Id}", service.Get(sweep.Id)!);
    }

    public static Ok<IReadOnlyList<SweepDetails>> ListSweeps(SweepService service) => TypedResults.Ok(service.List());

    public static Results<Ok<SweepDetails>, ProblemHttpResult> GetSweep(string id, SweepService service) =>
        service.Get(id) is { } sweep ? TypedResults.Ok(sweep) : SweepNotFound(id);

    public static Results<Ok<SweepDetails>, ProblemHttpResult> CancelSweep(string id, SweepService service) =>
        service.Cancel(id) is { } sweep ? TypedResults.Ok(sweep) : SweepNotFound(id);

    public static Results<Ok<ComparisonResult>, ProblemHttpResult> CompareSweep(string id, HttpRequest request, EvaluationService evaluation)
    {
        var (options, errors) = ComparisonQuery.Parse(request);
        if (errors.Count > 0) return ApiProblems.Validation(errors);
        try
        {
            return evaluation.CompareSweep(id, options) is { } result ? TypedResults.Ok(result) : SweepNotFound(id);
        }
        catch (ArgumentException e)
        {
            return ApiProblems.Validation(new Dictionary<string, string[]> { [e.ParamName ?? "query"] = [WithoutParameter(e)] });
        }
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> SweepReport(string id, HttpRequest request, ReportService reports, CancellationToken cancellationToken)
    {
        var (options, errors) = ComparisonQuery.Parse(request);
        if (errors.Count > 0) return ApiProblems.Validation(errors);
        try
        {
            var html = await reports.SweepReportAsync(id, options, cancellationToken);
            return html is null ? SweepNotFound(id) : Html(html, $"sweep-{id}.html");
        }
        catch (ArgumentException e)
        {
            return ApiProblems.Validation(new Dictionary<string, string[]> { [e.ParamName ?? "query"] = [WithoutParameter(e)] });
        }
    }

    public static Results<Ok<ComparisonResult>, ProblemHttpResult> CompareRuns(HttpRequest request, EvaluationService evaluation)
    {
        var (ids, options, problem) = ChosenRuns(request);
        if (problem is not null) return problem;
        try
        {
            return TypedResults.Ok(evaluation.CompareRuns(ids, options));
        }
        catch (KeyNotFoundException e)
        {
            return ApiProblems.NotFound("runs", e.Message);
        }
        catch (ArgumentException e)
        {
            return ApiProblems.Validation(new Dictionary<string, string[]> { [e.ParamName ?? "query"] = [WithoutParameter(e)] });
        }
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> CompareRunsReport(HttpRequest request, ReportService reports, CancellationToken cancellationToken)
    {
        var (ids, options, problem) = ChosenRuns(request);
        if (problem is not null) return problem;
        try
        {
            return Html(await reports.RunsReportAsync(ids, options, cancellationToken), "comparison.html");
        }
        catch (KeyNotFoundException e)
        {
            return ApiProblems.NotFound("runs", e.Message);
        }
        catch (ArgumentException e)
        {
            return ApiProblems.Validation(new Dictionary<string, string[]> { [e.ParamName ?? "query"] = [WithoutParameter(e)] });
        }
    }

    public static Results<Ok<PooledComparisonResult>, ProblemHttpResult> ComparePooled(HttpRequest request, EvaluationService evaluation)
    {
        var (pooled, problem) = Pooled(request, evaluation);
        return problem ?? (Results<Ok<PooledComparisonResult>, ProblemHttpResult>)TypedResults.Ok(pooled!);
    }

    public static Results<FileContentHttpResult, ProblemHttpResult> ComparePooledReport(HttpRequest request, EvaluationService evaluation)
    {
        var (pooled, problem) = Pooled(request, evaluation);
        return problem ?? (Results<FileContentHttpResult, ProblemHttpResult>)Html(Services.Reports.HtmlReport.ForPooled(pooled!), "pooled-comparison.html");
    }

    /// <summary>The pooled comparison of the sweeps named by sweeps=id1,id2,..., or the problem with the query.</summary>
    private static (PooledComparisonResult? Result, ProblemHttpResult? Problem) Pooled(HttpRequest request, EvaluationService evaluation)
    {
        var ids = request.Query["sweeps"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct().ToList();
        if (ids.Count < 2)
            return (null, ApiProblems.Validation(new Dictionary<string, string[]> { ["sweeps"] = ["name at least two sweeps to pool: sweeps=id1,id2,..."] }));
        if (ids.Count > EvaluationService.MaxPooledSweeps)
            return (null, ApiProblems.Validation(new Dictionary<string, string[]> { ["sweeps"] = [$"at most {EvaluationService.MaxPooledSweeps} sweeps."] }));
        var (options, errors) = ComparisonQuery.Parse(request);
        if (options.Metric is not null) errors["metric"] = ["does not apply: each sweep is measured on its own headline metric."];
        if (errors.Count > 0) return (null, ApiProblems.Validation(errors));
        try
        {
            return (evaluation.PoolSweeps(ids, options).Pooled, null);
        }
        catch (KeyNotFoundException e)
        {
            return (null, ApiProblems.NotFound("sweeps", e.Message));
        }
        catch (ArgumentException e)
        {
            return (null, ApiProblems.Validation(new Dictionary<string, string[]> { [e.ParamName ?? "query"] = [WithoutParameter(e)] }));
        }
    }

    /// <summary>The runs named by runs=id1,id2,... and the comparison options, or the problem with the query.</summary>
    private static (List<string> Ids, ComparisonOptions Options, ProblemHttpResult? Problem) ChosenRuns(HttpRequest request)
    {
        var ids = request.Query["runs"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (ids.Count == 0) return (ids, null!, ApiProblems.Validation(new Dictionary<string, string[]> { ["runs"] = ["name the runs to compare: runs=id1,id2,..."] }));
        if (ids.Count > EvaluationService.MaxComparedRuns)
            return (ids, null!, ApiProblems.Validation(new Dictionary<string, string[]> { ["runs"] = [$"at most {EvaluationService.MaxComparedRuns} runs."] }));
        var (options, errors) = ComparisonQuery.Parse(request);
        return errors.Count > 0 ? (ids, options, ApiProblems.Validation(errors)) : (ids, options, null);
    }

    internal static FileContentHttpResult Html(string html, string fileName) =>
        TypedResults.File(Encoding.UTF8.GetBytes(html), "text/html; charset=utf-8", fileName);

    // ArgumentException appends " (Parameter 'x')"; the field is already named in "errors".
    internal static string WithoutParameter(ArgumentException e)
    {
        var suffix = e.ParamName is null ? null : $" (Parameter '{e.ParamName}')";
        return suffix is not null && e.Message.EndsWith(suffix, StringComparison.Ordinal) ? e.Message[..^suffix.Length] : e.Message;
    }

    private static ProblemHttpResult SweepNotFound(string id) => ApiProblems.NotFound("id", $"No sweep has the id '{id}'.");
}
