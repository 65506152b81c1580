namespace BiDoRA.Engine.Checkpoints;

/// <summary>Turns a user's <c>--model</c> argument (a folder path or a catalog name) into a model folder.</summary>
public static class ModelResolver
{
    /// <summary>
    /// A folder path is used as it is. A catalog name resolves to <c>&lt;modelsDirectory&gt;/&lt;name&gt;</c> when it has
    /// been downloaded there; <c>tiny</c> falls back to the copy shipped in <paramref name="bundledDirectory"/>.
    /// </summary>
    /// <param name="model">Folder path or catalog name.</param>
    /// <param name="modelsDirectory">Where downloaded models live.</param>
    /// <param name="bundledDirectory">Where shipped models live; <see cref="ModelCatalog.BundledModelsDirectory"/> when null.</param>
    /// <returns>The full path of a folder with config.json and weights.</returns>
    /// <exception cref="ArgumentException">Neither a model folder nor a known name, or a catalog model not downloaded yet (the message says how).</exception>
    public static string Resolve(string model, string modelsDirectory, string? bundledDirectory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        if (Directory.Exists(model))
        {
            var folder = Path.GetFullPath(model);
            if (!HuggingFaceModelFolder.LooksLikeModelFolder(folder))
            {
                throw new ArgumentException(
                    $"Model folder {folder} has no {HuggingFaceModelFolder.ConfigFileName} with {HuggingFaceModelFolder.WeightsFileName} (or {ShardedSafetensors.IndexFileName}).", nameof(model));
            }
            return folder;
        }

        var entry = ModelCatalog.Find(model);
        if (entry is null)
        {
            throw new ArgumentException(
                $"Model '{model}' is neither a folder nor a catalog name. Known names: {string.Join(", ", ModelCatalog.Entries.Select(e => e.Name))}.", nameof(model));
        }
        var downloaded = Path.GetFullPath(Path.Combine(modelsDirectory, entry.Name));
        if (HuggingFaceModelFolder.LooksLikeModelFolder(downloaded))
        {
            return downloaded;
        }
        if (entry.IsBundled)
        {
            var bundled = Path.GetFullPath(Path.Combine(bundledDirectory ?? ModelCatalog.BundledModelsDirectory, entry.Name));
            if (HuggingFaceModelFolder.LooksLikeModelFolder(bundled))
            {
                return bundled;
            }
            throw new ArgumentException($"The bundled model '{entry.Name}' is missing from {bundled}; the installation is incomplete.", nameof(model));
        }
        throw new ArgumentException(
            $"Model '{entry.Name}' ({entry.HubId}, about {entry.DownloadBytes / 1e6:F0} MB) is not downloaded to {downloaded}. " +
            $"Download it from the workbench's Models page, or put the Hugging Face folder of {entry.HubId} (config.json, vocab.txt, model.safetensors) there.",
            nameof(model));
    }
}
