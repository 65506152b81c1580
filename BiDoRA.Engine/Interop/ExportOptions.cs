namespace BiDoRA.Engine.Interop;

/// <summary>How <see cref="RunExporter"/> describes and finds what a run needs.</summary>
public sealed record ExportOptions
{
    /// <summary>Where catalog models are downloaded; ./models when null.</summary>
    public string? ModelsDirectory { get; init; }

    /// <summary>The model card's title; the run folder's name when null.</summary>
    public string? Title { get; init; }

    /// <summary>The dataset's name for the card; the data file's folder and name when null.</summary>
    public string? DatasetName { get; init; }
}
