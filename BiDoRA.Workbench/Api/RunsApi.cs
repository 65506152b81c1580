using System.ComponentModel;
using BiDoRA.Workbench.Services.Events;
using BiDoRA.Workbench.Services.Runs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BiDoRA.Workbench.Api;

internal static class RunsApi
{
    /// <summary>Most events one metrics request returns.</summary>
    private const int MaxEventsPerPage = 5000;

    public static RouteGroupBuilder MapRunsApi(this RouteGroupBuilder api)
    {
        var runs = api.MapGroup("/runs").WithTags("Runs");

        runs.MapPost("/", CreateRun)
            .WithName("CreateRun")
            .WithSummary("Queue a new training run");
        runs.MapGet("/", ListRuns)
            .WithName("ListRuns")
            .WithSummary("List runs, newest first");
        runs.MapGet("/{id}", GetRun)
            .WithName("GetRun")
            .WithSummary("Get a run with its status, queue position and progress");
        runs.MapPost("/{id}/cancel", CancelRun)
            .WithName("CancelRun")
            .WithSummary("Cancel a queued run, or ask a running one to stop");
        runs.MapPost("/{id}/resume", ResumeRun)
            .WithName("ResumeRun")
            .WithSummary("Queue an interrupted, cancelled or failed run to continue from its last checkpoint");
        runs.MapGet("/{id}/metrics", GetMetrics)
            .WithName("GetRunMetrics")
            .WithSummary("The run's training events after a sequence number, in order");
        runs.MapGet("/{id}/artifacts", ListArtifacts)
            .WithName("ListRunArtifacts")
            .WithSummary("Files in the run's folder");
        runs.MapGet("/{id}/artifacts/{name}", GetArtifact)
            .WithName("GetRunArtifact")
            .WithSummary("Download one file of the run's folder, or run.zip for all of it");
        runs.MapGet("/{id}/adapter", GetAdapter)
            .WithName("GetRunAdapter")
            .WithSummary("The trained adapter (PEFT layout), head and run.json as one zip");
        return api;
    }

    public sealed record RunEventsPage(string RunId, IReadOnlyList<RunEventEnvelope> Events, long LastSequence, bool HasMore);

    public static Results<Created<RunRecord>, ProblemHttpResult> CreateRun(NewRunRequest request, [AsParameters] RunServices services)
    {
        var errors = services.Factory.Validate(request);
        if (errors.Count > 0) return ApiProblems.Validation(errors);
        var queued = services.Queue.Enqueue(services.Factory.Create(request));
        return TypedResults.Created($"/api/runs/{queued.Id}", queued);
    }

    public static Ok<IReadOnlyList<RunRecord>> ListRuns([AsParameters] RunServices services) =>
        TypedResults.Ok(services.Runs.List());

    public static Results<Ok<RunRecord>, ProblemHttpResult> GetRun([Description("The run id")] string id, [AsParameters] RunServices services) =>
        services.Runs.Get(id) is { } run ? TypedResults.Ok(run) : RunNotFound(id);

    public static Results<Ok<RunRecord>, Accepted<RunRecord>, ProblemHttpResult> CancelRun(string id, [AsParameters] RunServices services)
    {
        var result = services.Queue.Cancel(id);
        return result.Outcome switch
        {
            RunCommandOutcome.NotFound => RunNotFound(id),
            RunCommandOutcome.Conflict => ApiProblems.Conflict("status", result.Message!),
            _ when result.Run!.Status == RunStatus.Running => TypedResults.Accepted($"/api/runs/{id}", result.Run),
            _ => TypedResults.Ok(result.Run),
        };
    }

    public static Results<Ok<RunRecord>, ProblemHttpResult> ResumeRun(string id, [AsParameters] RunServices services)
    {
        var result = services.Queue.Resume(id);
        return result.Outcome switch
        {
            RunCommandOutcome.NotFound => RunNotFound(id),
            RunCommandOutcome.Conflict => ApiProblems.Conflict("status", result.Message!),
            _ => TypedResults.Ok(result.Run!),
        };
    }

    public static async Task<Results<Ok<RunEventsPage>, ProblemHttpResult>> GetMetrics(
        string id,
        [AsParameters] RunServices services,
        [Description("Return events with a larger sequence number")] long? after,
        [Description("At most this many events (default and maximum 5000)")] int? limit,
        CancellationToken cancellationToken)
    {
        if (services.Runs.Get(id) is null) return RunNotFound(id);
        if (after is < 0) return ApiProblems.Validation(new Dictionary<string, string[]> { ["after"] = ["must be 0 or more."] });
        if (limit is < 1 or > MaxEventsPerPage) return ApiProblems.Validation(new Dictionary<string, string[]> { ["limit"] = [$"must be between 1 and {MaxEventsPerPage}."] });

        await services.Hub.FlushAsync(cancellationToken);
        var take = limit ?? MaxEventsPerPage;
        var events = services.Events.Read(id, after ?? 0, limit: take + 1);
        var page = events.Take(take).ToList();
        return TypedResults.Ok(new RunEventsPage(id, page, page.Count > 0 ? page[^1].Sequence : after ?? 0, events.Count > take));
    }

    public static Results<Ok<IReadOnlyList<RunArtifacts.Artifact>>, ProblemHttpResult> ListArtifacts(string id, [AsParameters] RunServices services) =>
        services.Runs.Get(id) is null ? RunNotFound(id) : TypedResults.Ok(services.Artifacts.List(id));

    public static Results<FileStreamHttpResult, PhysicalFileHttpResult, ProblemHttpResult> GetArtifact(string id, string name, [AsParameters] RunServices services)
    {
        if (services.Runs.Get(id) is null) return RunNotFound(id);
        if (!RunArtifacts.IsValidName(name))
        {
            return ApiProblems.Validation(new Dictionary<string, string[]> { ["name"] = ["must be the plain name of a file in the run's folder."] });
        }
        if (services.Artifacts.Find(id, name) is { } path)
        {
            return TypedResults.PhysicalFile(path, RunArtifacts.ContentType(name), fileDownloadName: name);
        }
        if (name == RunArtifacts.ZipName)
        {
            return TypedResults.File(services.Artifacts.Zip(id), "application/zip", fileDownloadName: $"run-{id}.zip");
        }
        return ApiProblems.NotFound("name", $"Run '{id}' has no file named '{name}'.");
    }

    public static Results<FileStreamHttpResult, ProblemHttpResult> GetAdapter(string id, [AsParameters] RunServices services)
    {
        if (services.Runs.Get(id) is not { } run) return RunNotFound(id);
        return services.Artifacts.AdapterZip(id) is { } zip
            ? TypedResults.File(zip, "application/zip", fileDownloadName: $"adapter-{id}.zip")
            : ApiProblems.Conflict("id", $"Run '{run.Name}' is {run.Status.ToString().ToLowerInvariant()} and has no trained weights yet.");
    }

    private static ProblemHttpResult RunNotFound(string id) => ApiProblems.NotFound("id", $"No run has the id '{id}'.");
}
