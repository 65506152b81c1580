using BiDoRA.Engine.Esm;

namespace BiDoRA.Engine.Checkpoints;

/// <summary>A model the workbench knows by name.</summary>
/// <param name="Name">Catalog name, also the folder name under the models directory.</param>
/// <param name="Description">One line for people.</param>
/// <param name="Config">The architecture, as in the checkpoint's config.json.</param>
/// <param name="HubId">Hugging Face repository to download from; null for a model shipped with the app.</param>
/// <param name="ParameterCount">Parameters of the masked-LM model (tied decoder counted once).</param>
/// <param name="DownloadBytes">Approximate size of the float32 weights file.</param>
public sealed record ModelCatalogEntry(string Name, string Description, EsmConfig Config, string? HubId, long ParameterCount, long DownloadBytes)
{
    /// <summary>Shipped with the app (always available offline) rather than downloaded.</summary>
    public bool IsBundled => HubId is null;
}
