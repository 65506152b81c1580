namespace BiDoRA.Workbench.Services.Models;

/// <summary>A base model as the Models page and GET /api/models show it.</summary>
/// <param name="Name">Catalog name, or the folder name of an imported model.</param>
/// <param name="Available">Its weights are on this machine (bundled, downloaded or imported): usable offline.</param>
/// <param name="Download">The download in progress or last finished, if any.</param>
public sealed record ModelInfo(
    string Name,
    string Description,
    string? HubId,
    long ParameterCount,
    long DownloadBytes,
    int Layers,
    int HiddenSize,
    bool Bundled,
    bool Imported,
    bool Available,
    ModelDownloadState? Download = null)
{
    /// <summary>How the model was made, for models written by pretraining (the bundled mini, pretrained runs).</summary>
    public ModelProvenance? Pretraining { get; init; }
}
