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
        models.MapPost("/import", ImportModel)
            .WithName("ImportModel")
            .WithSummary("Copy a Hugging Face ESM-2 folder on the workbench's machine into the models folder");
        return api;
    }

    /// <param name="Path">Full path of the model folder (config.json, vocab.txt, model.safetensors).</param>
    /// <param name="Name">Name to give it; default: the folder's name.</param>
    public sealed record ImportModelRequest(string? Path, string? Name);

    public static Ok<IReadOnlyList<ModelInfo>> ListModels(ModelLibrary library) => TypedResults.Ok(library.List());

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
