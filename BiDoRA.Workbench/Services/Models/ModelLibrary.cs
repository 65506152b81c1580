using System.Text.RegularExpressions;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Esm;
using BiDoRA.Workbench.Services.Storage;

namespace BiDoRA.Workbench.Services.Models;

/// <summary>
/// The base models this workbench can train on: the engine's catalog (bundled or downloaded into the models folder)
/// and folders imported there. Runs name a model; only names this library knows are accepted, never a path. Imported
/// models are records in <see cref="IModelLibraryStore"/> (shared by every node in a cluster) over their folders; a
/// model folder that appears without one (written by a pretraining run on a worker, or from before the records) is
/// recorded when the library first sees it.
/// </summary>
internal sealed partial class ModelLibrary(WorkbenchPaths paths, ModelDownloads downloads, IModelLibraryStore library, ILogger<ModelLibrary> logger)
{
    /// <summary>Where the models shipped with the app live.</summary>
    public string BundledDirectory { get; init; } = ModelCatalog.BundledModelsDirectory;

    public IReadOnlyList<ModelInfo> List()
    {
        var catalog = ModelCatalog.Entries.Select(e => new ModelInfo(
            e.Name, e.Description, e.HubId, e.ParameterCount, e.DownloadBytes, e.Config.NumHiddenLayers, e.Config.HiddenSize,
            Bundled: e.IsBundled, Imported: false, Available: IsAvailable(e.Name), Download: downloads.State(e.Name))
        {
            Pretraining = e.IsBundled && IsAvailable(e.Name) ? Provenance(ModelResolver.Resolve(e.Name, paths.ModelsDirectory, BundledDirectory)) : null,
        });
        return [.. catalog, .. ImportedModels()];
    }

    /// <summary>
    /// A download's progress or status changed (raised on a background thread; a Blazor page calls
    /// InvokeAsync(StateHasChanged)). The state is also in <see cref="ModelInfo.Download"/>.
    /// </summary>
    public event Action<ModelDownloadState>? DownloadChanged
    {
        add => downloads.Changed += value;
        remove => downloads.Changed -= value;
    }

    /// <summary>
    /// Starts downloading a catalog model from the hub (Workbench:HubBaseUrl) in the background; does nothing when
    /// it is already available or downloading. Returns the model with <see cref="ModelInfo.Download"/> set.
    /// </summary>
    /// <exception cref="ArgumentException">No catalog model has that name.</exception>
    /// <exception cref="InvalidOperationException">The model ships with the workbench or was imported: nothing to download.</exception>
    public ModelInfo StartDownload(string name)
    {
        var entry = ModelCatalog.Find(name);
        if (entry is null)
        {
            throw Find(name) is { Imported: true }
                ? new InvalidOperationException($"'{name}' was imported from a folder; only catalog models download.")
                : new ArgumentException($"No catalog model is named '{name}'. Known: {string.Join(", ", ModelCatalog.Entries.Select(e => e.Name))}.", nameof(name));
        }
        if (entry.IsBundled) throw new InvalidOperationException($"'{entry.Name}' ships with the workbench and is always available; there is nothing to download.");
        if (!IsAvailable(entry.Name)) downloads.Start(entry);
        return Find(entry.Name)!;
    }

    /// <summary>Stops a running download (its files so far are kept, and the next start resumes); null when none is running.</summary>
    public ModelInfo? CancelDownload(string name) =>
        ModelCatalog.Find(name) is { } entry && downloads.Cancel(entry.Name) is not null ? Find(entry.Name) : null;

    /// <summary>
    /// The model a new run starts from: the smallest released ESM-2 that is downloaded, otherwise (offline) the bundled
    /// pretrained <c>mini</c>, otherwise the first available one.
    /// </summary>
    public string? DefaultModel()
    {
        var models = List();
        return models.FirstOrDefault(m => m.Available && m.HubId is not null)?.Name
               ?? models.FirstOrDefault(m => m.Available && m.Name == ModelCatalog.MiniName)?.Name
               ?? models.FirstOrDefault(m => m.Available)?.Name;
    }

    public ModelInfo? Find(string name) =>
        List().FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>A catalog name, or the name of a model imported into the models folder.</summary>
    public bool IsKnown(string name) =>
        ModelCatalog.Find(name) is not null || (IsValidName(name) && HuggingFaceModelFolder.LooksLikeModelFolder(Path.Combine(paths.ModelsDirectory, name)));

    /// <summary>The folder a run loads <paramref name="name"/> from.</summary>
    /// <exception cref="ArgumentException">Unknown, or a catalog model not downloaded yet (the message says how).</exception>
    public string ResolveFolder(string name)
    {
        if (!IsKnown(name)) throw new ArgumentException($"Model '{name}' is neither in the catalog nor imported.", nameof(name));
        var imported = Path.Combine(paths.ModelsDirectory, name);
        return ModelCatalog.Find(name) is null ? Path.GetFullPath(imported) : ModelResolver.Resolve(name, paths.ModelsDirectory, BundledDirectory);
    }

    public static bool IsValidName(string? name) => name is not null && NameShape().IsMatch(name);

    /// <summary>
    /// Copies a Hugging Face model folder on this machine into the models folder under <paramref name="name"/>
    /// (default: the folder's own name). The folder is checked first: config.json, vocab.txt and weights that agree.
    /// </summary>
    /// <exception cref="ModelImportException">Naming the request field at fault.</exception>
    public async Task<ModelInfo> ImportAsync(string? sourceFolder, string? name, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(sourceFolder) || !Path.IsPathFullyQualified(sourceFolder))
        {
            throw new ModelImportException("path", "must be the full path of a model folder on the workbench's machine.");
        }
        var source = Path.GetFullPath(sourceFolder);
        if (!Directory.Exists(source)) throw new ModelImportException("path", $"no folder {source}.");
        if (Engine.Interop.TrainedModelLoader.IsTrainedClassifier(source))
        {
            throw new ModelImportException("path", $"{source} is a trained EsmForSequenceClassification, not a base model: import it under Trained models, where Predict can use it.");
        }
        try
        {
            using var folder = HuggingFaceModelFolder.Open(source);
        }
        catch (Exception e) when (e is CheckpointFormatException or IOException or InvalidDataException or FormatException or ArgumentException)
        {
            throw new ModelImportException("path", e.Message);
        }

        var target = string.IsNullOrWhiteSpace(name) ? Path.GetFileName(source.TrimEnd(Path.DirectorySeparatorChar)) : name.Trim();
        if (!IsValidName(target))
        {
            throw new ModelImportException("name", $"'{target}' cannot name a model: use letters, digits, '.', '_' and '-' (at most 128).");
        }
        var destination = Path.Combine(paths.ModelsDirectory, target);
        if (Directory.Exists(destination) || (ModelCatalog.Find(target) is { IsBundled: true }))
        {
            throw new ModelImportException("name", $"a model named '{target}' already exists.", conflict: true);
        }

        // Copy into a scratch folder and move it into place, so a half-copied model never looks importable.
        Directory.CreateDirectory(paths.ModelsDirectory);
        var scratch = Path.Combine(paths.ModelsDirectory, $".import-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        try
        {
            foreach (var file in new DirectoryInfo(source).EnumerateFiles())
            {
                if ((file.Attributes & FileAttributes.ReparsePoint) != 0) continue;
                await using var input = file.OpenRead();
                await using var output = File.Create(Path.Combine(scratch, file.Name));
                await input.CopyToAsync(output, cancellationToken);
            }
            Directory.Move(scratch, destination);
        }
        catch
        {
            Directory.Delete(scratch, recursive: true);
            throw;
        }
        library.TryAdd(new ModelLibraryEntry(ModelEntryKind.Base, target, source, DateTimeOffset.UtcNow));
        logger.LogInformation("Imported model {Name} from {Source}.", target, source);
        return Find(target)!;
    }

    private bool IsAvailable(string catalogName)
    {
        try
        {
            ModelResolver.Resolve(catalogName, paths.ModelsDirectory, BundledDirectory);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private IEnumerable<ModelInfo> ImportedModels()
    {
        if (!Directory.Exists(paths.ModelsDirectory)) yield break;
        var recorded = library.List(ModelEntryKind.Base).Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var folder in Directory.EnumerateDirectories(paths.ModelsDirectory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(folder);
            if (!IsValidName(name) || ModelCatalog.Find(name) is not null || !HuggingFaceModelFolder.LooksLikeModelFolder(folder)
                || Engine.Interop.TrainedModelLoader.IsTrainedClassifier(folder)) continue;
            // A folder without a record: a pretraining run wrote it, or it predates the records.
            if (!recorded.Contains(name)) library.TryAdd(new ModelLibraryEntry(ModelEntryKind.Base, name, folder, new DateTimeOffset(Directory.GetCreationTimeUtc(folder), TimeSpan.Zero)));
            EsmConfig config;
            try
            {
                config = EsmConfig.FromFile(Path.Combine(folder, HuggingFaceModelFolder.ConfigFileName));
            }
            catch (Exception e) when (e is IOException or InvalidDataException or FormatException or CheckpointFormatException or System.Text.Json.JsonException)
            {
                logger.LogWarning(e, "Skipping model folder {Folder}: its config.json cannot be read.", folder);
                continue;
            }
            var provenance = Provenance(folder);
            yield return new ModelInfo(name, provenance is null ? $"Imported ESM-2 ({config.NumHiddenLayers} layers, hidden {config.HiddenSize})." : $"ESM-2 ({config.NumHiddenLayers} layers, hidden {config.HiddenSize}) from a pretraining run.", null,
                ModelCatalog.CountParameters(config), 0, config.NumHiddenLayers, config.HiddenSize,
                Bundled: false, Imported: true, Available: true) { Pretraining = provenance };
        }
    }

    /// <summary>The pretraining record of a model folder (its pretraining.json); null for folders without one.</summary>
    private ModelProvenance? Provenance(string folder)
    {
        var path = Path.Combine(folder, Engine.Training.Pretrainer.ProvenanceFile);
        if (!File.Exists(path)) return null;
        try
        {
            return ModelProvenance.Read(path);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            logger.LogWarning(e, "The pretraining record {Path} cannot be read.", path);
            return null;
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex NameShape();
}
