namespace BiDoRA.Engine.Interop;

/// <summary>Where a trained model's base comes from and where it runs.</summary>
public sealed record TrainedModelLoadOptions
{
    /// <summary>Where catalog models are downloaded; ./models when null.</summary>
    public string? ModelsDirectory { get; init; }

    /// <summary>
    /// The base model (catalog name or folder), overriding what the folder names: for a PEFT adapter whose
    /// base_model_name_or_path cannot be resolved here, or a run whose model folder moved.
    /// </summary>
    public string? BaseModel { get; init; }

    /// <summary>auto | cpu | cuda | cuda:N.</summary>
    public string Device { get; init; } = "auto";
}
