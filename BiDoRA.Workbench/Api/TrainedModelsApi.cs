using BiDoRA.Workbench.Services.Models;
using BiDoRA.Workbench.Services.Predictions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BiDoRA.Workbench.Api;

internal static class TrainedModelsApi
{
    public static RouteGroupBuilder MapTrainedModelsApi(this RouteGroupBuilder api)
    {
        var trained = api.MapGroup("/trained-models").WithTags("Trained models");
        trained.MapGet("/", (TrainedModelLibrary library) => TypedResults.Ok(library.List()))
            .WithName("ListTrainedModels")
            .WithSummary("Imported trained models (PEFT adapters and merged transformers folders); each predicts under its id, trained:<name>");
        trained.MapGet("/{name}", GetTrainedModel)
            .WithName("GetTrainedModel")
            .WithSummary("One imported trained model");
        trained.MapPost("/import", ImportTrainedModel)
            .WithName("ImportTrainedModel")
            .WithSummary("Check and copy a PEFT LoRA/DoRA adapter folder (with its classifier) or an EsmForSequenceClassification folder on the workbench's machine");
        trained.MapDelete("/{name}", DeleteTrainedModel)
            .WithName("DeleteTrainedModel")
            .WithSummary("Remove an imported trained model");
        trained.MapPost("/{name}/predict", (string name, PredictionsApi.PredictRequest request, PredictionService predictions, CancellationToken cancellationToken) =>
                PredictionsApi.PredictWithRun(TrainedModelInfo.IdPrefix + name, request, predictions, cancellationToken))
            .WithName("PredictWithTrainedModel")
            .WithSummary("As POST /api/runs/{id}/predict, with an imported trained model");
        return api;
    }

    /// <param name="Path">Full path of the folder: adapter_config.json + adapter_model.safetensors, or config.json + model.safetensors + vocab.txt.</param>
    /// <param name="Name">Name to give it; default: the folder's name.</param>
    /// <param name="BaseModel">For an adapter: a model of this workbench to apply it to, when its base_model_name_or_path cannot be resolved here.</param>
    public sealed record ImportTrainedModelRequest(string? Path, string? Name, string? BaseModel);

    public static Results<Ok<TrainedModelInfo>, ProblemHttpResult> GetTrainedModel(string name, TrainedModelLibrary library) =>
        library.Find(name) is { } model ? TypedResults.Ok(model) : NotFound(name);

    public static async Task<Results<Created<TrainedModelInfo>, ProblemHttpResult>> ImportTrainedModel(ImportTrainedModelRequest request, TrainedModelLibrary library, CancellationToken cancellationToken)
    {
        try
        {
            var model = await library.ImportAsync(request.Path, request.Name, request.BaseModel, cancellationToken);
            return TypedResults.Created($"/api/trained-models/{model.Name}", model);
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

    public static Results<NoContent, ProblemHttpResult> DeleteTrainedModel(string name, TrainedModelLibrary library, PredictionService predictions)
    {
        if (!library.Delete(name)) return NotFound(name);
        predictions.Forget(TrainedModelInfo.IdPrefix + name);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult NotFound(string name) => ApiProblems.NotFound("name", $"No trained model is named '{name}'.");
}
