using BiDoRA.Workbench.Services.Models;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BiDoRA.Workbench.Api;

internal static class ModelsApi
{
    public static RouteGroupBuilder MapModelsApi(this RouteGroupBuilder api)
    {
        var models = api.MapGroup("/models").WithTags("Models");

        models.MapGet("/", ListModels)
            .WithName("ListModels")
            .WithSummary("The model catalog and imported models, with which are available offline");
        models.MapGet("/{name}", GetModel)
            .WithName("GetModel")
            .WithSummary("One model, with its download progress (bytes, total, speed, state)");
        models.MapPost("/{name}/download", DownloadModel)
            .WithName("DownloadModel")
            .WithSummary("Start downloading a catalog model from the hub in the background (resumes a stopped download)");
        models.MapPost("/{name}/download/cancel", CancelDownload)
            .WithName("CancelModelDownload")
            .WithSummary("Stop a running download; its files so far are kept for a later resume");
        models.MapPost("/import", ImportModel)
            .WithName("ImportModel")
            .WithSummary("Copy a Hugging Face ESM-2 folder on the workbench's machine into the models folder");
        return api;
    }

    /// <param name="Path">Full path of the model folder (config.json, vocab.txt, model.safetensors).</param>
    /// <param name="Name">Name to give it; default: the folder's name.</param>
    public sealed record ImportModelRequest(string? Path, string? Name);

    public static Ok<IReadOnlyList<ModelInfo>> ListModels(ModelLibrary library) => TypedResults.Ok(library.List());

    public static Results<Ok<ModelInfo>, ProblemHttpResult> GetModel(string name, ModelLibrary library) =>
        library.Find(name) is { } model ? TypedResults.Ok(model) : ModelNotFound(name);

    /// <returns>202 while downloading, 200 when the model is already available.</returns>
    public static Results<Ok<ModelInfo>, Accepted<ModelInfo>, ProblemHttpResult> DownloadModel(string name, ModelLibrary library)
    {
        if (library.Find(name) is null) return ModelNotFound(name);
        try
        {
            var model = library.StartDownload(name);
            return model.Available ? TypedResults.Ok(model) : TypedResults.Accepted($"/api/models/{model.Name}", model);
        }
        catch (InvalidOperationException e)
        {
            return ApiProblems.Conflict("name", e.Message);
        }
    }

    public static Results<Ok<ModelInfo>, ProblemHttpResult> CancelDownload(string name, ModelLibrary library)
    {
        if (library.Find(name) is null) return ModelNotFound(name);
        return library.CancelDownload(name) is { } model
            ? TypedResults.Ok(model)
            : ApiProblems.Conflict("name", $"No download of '{name}' is running.");
    }

    private static ProblemHttpResult ModelNotFound(string name) => ApiProblems.NotFound("name", $"No model is named '{name}'.");

    public static async Task<Results<Created<ModelInfo>, ProblemHttpResult>> ImportModel(ImportModelRequest request, ModelLibrary library, CancellationToken cancellationToken)
    {
        try
        {
            var model = await library.ImportAsync(request.Path, request.Name, cancellationToken);
            return TypedResults.Created($"/api/models/{model.Name}", model);
        }
        catch (ModelImportException e) when (e.Conflict)
        {
            return ApiProblems.Conflict(e.Field, e.Message);
        }
        catch (ModelImportException e)
        {
            return ApiProblems.Validation(new Dictionary<string, string[]> { [e.Field] = [e.Message] });
        }
    }
}
