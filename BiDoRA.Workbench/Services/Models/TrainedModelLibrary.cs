using System.Text.Json;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Interop;
using BiDoRA.Workbench.Services.Storage;

namespace BiDoRA.Workbench.Services.Models;

/// <summary>
/// Trained models brought in from elsewhere: a Hugging Face PEFT LoRA/DoRA adapter folder (with its classifier) or a
/// merged EsmForSequenceClassification folder, checked by loading it once, then copied under the data folder's
/// trained/ folder. Predict and the API use one by its id ("trained:" + name) wherever they take a run id. What each
/// is lives in <see cref="IModelLibraryStore"/> (shared by every node in a cluster) and, for a folder moved by hand or
/// from before the records, in the folder's workbench-import.json, recorded when first seen.
/// </summary>
internal sealed class TrainedModelLibrary(WorkbenchPaths paths, ModelLibrary models, IModelLibraryStore library, ILogger<TrainedModelLibrary> logger)
{
    private const string DescriptionFile = "workbench-import.json";

    // The files of either layout that the loader reads, and the model card.
    private static readonly string[] Files =
    [
        "adapter_config.json", "adapter_model.safetensors", "config.json", "model.safetensors", "vocab.txt",
        "special_tokens_map.json", "tokenizer_config.json", "README.md",
    ];

    public IReadOnlyList<TrainedModelInfo> List()
    {
        if (!Directory.Exists(paths.TrainedModelsDirectory)) return [];
        var recorded = library.List(ModelEntryKind.Trained).Where(e => e.Trained is not null).ToDictionary(e => e.Name, e => e.Trained!, StringComparer.Ordinal);
        var list = new List<TrainedModelInfo>();
        foreach (var folder in Directory.EnumerateDirectories(paths.TrainedModelsDirectory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(folder);
            if (recorded.TryGetValue(name, out var info) || (info = Adopt(folder)) is not null) list.Add(info);
        }
        return list;
    }

    /// <param name="idOrName">"trained:name" or the name.</param>
    public TrainedModelInfo? Find(string idOrName)
    {
        var name = idOrName.StartsWith(TrainedModelInfo.IdPrefix, StringComparison.Ordinal) ? idOrName[TrainedModelInfo.IdPrefix.Length..] : idOrName;
        if (!ModelLibrary.IsValidName(name)) return null;
        var folder = Path.Combine(paths.TrainedModelsDirectory, name);
        if (!Directory.Exists(folder)) return null;
        return library.Get(ModelEntryKind.Trained, name)?.Trained ?? Adopt(folder);
    }

    public static bool IsTrainedModelId(string id) => id.StartsWith(TrainedModelInfo.IdPrefix, StringComparison.Ordinal);

    /// <summary>The copied folder of a trained model.</summary>
    public string Folder(TrainedModelInfo model) => Path.Combine(paths.TrainedModelsDirectory, model.Name);

    /// <summary>Load options for the model: its base resolved through the model library.</summary>
    public TrainedModelLoadOptions LoadOptions(TrainedModelInfo model, string device = "auto") => new()
    {
        ModelsDirectory = paths.ModelsDirectory,
        BaseModel = model.Kind == TrainedModelKind.PeftAdapter ? BaseFolder(model.BaseModel) : null,
        Device = device,
    };

    /// <summary>
    /// Checks <paramref name="sourceFolder"/> by loading it (with <paramref name="baseModel"/>, a model library name,
    /// when the adapter's base_model_name_or_path cannot be resolved here), then copies it under <paramref name="name"/>.
    /// </summary>
    /// <exception cref="ModelImportException">Naming the request field at fault: path, name or baseModel.</exception>
    public async Task<TrainedModelInfo> ImportAsync(string? sourceFolder, string? name, string? baseModel, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(sourceFolder) || !Path.IsPathFullyQualified(sourceFolder))
            throw new ModelImportException("path", "must be the full path of a PEFT adapter folder or a transformers model folder on the workbench's machine.");
        var source = Path.GetFullPath(sourceFolder);
        if (!Directory.Exists(source)) throw new ModelImportException("path", $"no folder {source}.");
        var target = string.IsNullOrWhiteSpace(name) ? Path.GetFileName(source.TrimEnd(Path.DirectorySeparatorChar)) : name.Trim();
        if (!ModelLibrary.IsValidName(target))
            throw new ModelImportException("name", $"'{target}' cannot name a model: use letters, digits, '.', '_' and '-' (at most 128).");
        var destination = Path.Combine(paths.TrainedModelsDirectory, target);
        if (Directory.Exists(destination)) throw new ModelImportException("name", $"a trained model named '{target}' already exists.", conflict: true);
        var baseName = string.IsNullOrWhiteSpace(baseModel) ? null : baseModel.Trim();
        if (baseName is not null && !models.IsKnown(baseName))
            throw new ModelImportException("baseModel", $"'{baseName}' is not a model of this workbench; choose one from the Models page.");

        TrainedModelKind kind;
        Engine.Data.TaskKind task;
        IReadOnlyList<string>? classes;
        Engine.Adapters.AdapterMethod? method;
        string resolvedBase;
        try
        {
            kind = TrainedModelLoader.Detect(source);
            if (kind == TrainedModelKind.RunFolder)
                throw new ModelImportException("path", $"{source} is a workbench run folder; it predicts as it is. Export it (bidora export) to share it, or import the export.");
            var loaded = await Task.Run(() => TrainedModelLoader.Load(source, new TrainedModelLoadOptions
            {
                ModelsDirectory = paths.ModelsDirectory,
                BaseModel = baseName is null ? null : BaseFolder(baseName),
                Device = "cpu",
            }), cancellationToken);
            using (loaded)
            {
                (task, classes, method) = (loaded.Task, loaded.ClassNames, loaded.Method);
                resolvedBase = kind == TrainedModelKind.MergedModel ? target : baseName ?? BaseName(loaded.BaseModel);
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or FormatException or JsonException)
        {
            throw new ModelImportException(e is ArgumentException && e.Message.Contains("--model", StringComparison.Ordinal) ? "baseModel" : "path",
                e.Message.Replace("--model", "a base model", StringComparison.Ordinal));
        }

        Directory.CreateDirectory(paths.TrainedModelsDirectory);
        var scratch = Path.Combine(paths.TrainedModelsDirectory, $".import-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        try
        {
            foreach (var file in Files.Where(f => File.Exists(Path.Combine(source, f))))
            {
                await using var input = File.OpenRead(Path.Combine(source, file));
                await using var output = File.Create(Path.Combine(scratch, file));
                await input.CopyToAsync(output, cancellationToken);
            }
            var info = new TrainedModelInfo(target, TrainedModelInfo.IdPrefix + target, kind, method, resolvedBase, task, classes, source, DateTimeOffset.UtcNow);
            await File.WriteAllTextAsync(Path.Combine(scratch, DescriptionFile), JsonSerializer.Serialize(info, WorkbenchJson.Options), cancellationToken);
            Directory.Move(scratch, destination);
            library.TryAdd(new ModelLibraryEntry(ModelEntryKind.Trained, target, source, info.ImportedAt) { Trained = info });
            logger.LogInformation("Imported trained model {Name} ({Kind}) from {Source}.", target, kind, source);
            return info;
        }
        catch
        {
            Directory.Delete(scratch, recursive: true);
            throw;
        }
    }

    /// <summary>Removes an imported trained model; false when there is none of that name.</summary>
    public bool Delete(string name)
    {
        if (Find(name) is not { } model) return false;
        library.Delete(ModelEntryKind.Trained, model.Name);
        Directory.Delete(Folder(model), recursive: true);
        return true;
    }

    private string BaseFolder(string name) => models.IsKnown(name) ? models.ResolveFolder(name) : name;

    /// <summary>The library's name for a resolved base folder when it has one (catalog or imported), else the folder.</summary>
    private string BaseName(string folder)
    {
        foreach (var model in models.List().Where(m => m.Available))
        {
            try
            {
                if (string.Equals(Path.GetFullPath(models.ResolveFolder(model.Name)), Path.GetFullPath(folder), StringComparison.Ordinal)) return model.Name;
            }
            catch (ArgumentException)
            {
                // Not resolvable now: not the one.
            }
        }
        return folder;
    }

    /// <summary>A trained-model folder without a record: its workbench-import.json is recorded.</summary>
    private TrainedModelInfo? Adopt(string folder)
    {
        if (Read(folder) is not { } info) return null;
        library.TryAdd(new ModelLibraryEntry(ModelEntryKind.Trained, info.Name, info.Source, info.ImportedAt) { Trained = info });
        return info;
    }

    private TrainedModelInfo? Read(string folder)
    {
        var path = Path.Combine(folder, DescriptionFile);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<TrainedModelInfo>(File.ReadAllText(path), WorkbenchJson.Options);
        }
        catch (JsonException e)
        {
            logger.LogWarning(e, "Skipping trained model folder {Folder}: {File} cannot be read.", folder, DescriptionFile);
            return null;
        }
    }
}
