using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Runtime;
using BiDoRA.Engine.Training;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Interop;

/// <summary>
/// The one way into a trained model for prediction and scans: a workbench run folder, a Hugging Face PEFT LoRA/DoRA
/// adapter folder, or a transformers EsmForSequenceClassification folder (such as the workbench's merged export).
/// </summary>
public static class TrainedModelLoader
{
    /// <summary>Which layout <paramref name="folder"/> has, from the files present.</summary>
    /// <exception cref="DirectoryNotFoundException">No such folder.</exception>
    /// <exception cref="InvalidDataException">None of the three layouts; the message lists what each needs.</exception>
    public static TrainedModelKind Detect(string folder)
    {
        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full)) throw new DirectoryNotFoundException($"{full} does not exist.");
        if (File.Exists(Path.Combine(full, RunFolder.RunFile))) return TrainedModelKind.RunFolder;
        if (File.Exists(Path.Combine(full, PeftLayout.ConfigFile))) return TrainedModelKind.PeftAdapter;
        if (File.Exists(Path.Combine(full, HuggingFaceModelFolder.ConfigFileName))) return TrainedModelKind.MergedModel;
        throw new InvalidDataException(
            $"{full} is not a trained model: a run folder has {RunFolder.RunFile}, a PEFT adapter folder {PeftLayout.ConfigFile} and {PeftLayout.WeightsFile}, " +
            $"a transformers folder {HuggingFaceModelFolder.ConfigFileName}, {HuggingFaceModelFolder.WeightsFileName} and {HuggingFaceModelFolder.VocabularyFileName}.");
    }

    /// <summary>Whether <paramref name="folder"/>'s config.json declares a trained EsmForSequenceClassification (not a base model to train on).</summary>
    public static bool IsTrainedClassifier(string folder) => MergedModelReader.IsClassificationFolder(folder);

    /// <summary>Loads a trained model with its adapter (if any) merged into plain weights.</summary>
    /// <exception cref="InvalidDataException">A file is missing or wrong; the message names the file and, where it is about weights, the tensor.</exception>
    /// <exception cref="IOException">A checkpoint file is malformed (<see cref="CheckpointFormatException"/>) or missing.</exception>
    /// <exception cref="ArgumentException">The base model cannot be found here; the message says how to name it.</exception>
    public static TrainedModel Load(string folder, TrainedModelLoadOptions? options = null)
    {
        options ??= new TrainedModelLoadOptions();
        TorchRuntime.EnsureInitialised();
        var full = Path.GetFullPath(folder);
        var kind = Detect(full);
        var device = DeviceSelector.Resolve(options.Device);
        var modelsDirectory = options.ModelsDirectory ?? Path.Combine(Environment.CurrentDirectory, "models");
        return kind switch
        {
            TrainedModelKind.RunFolder => FromRun(full, options.BaseModel, modelsDirectory, device),
            TrainedModelKind.PeftAdapter => PeftAdapterReader.Read(full, named => ResolveBase(options.BaseModel ?? named, modelsDirectory, full), device),
            _ => FromMerged(full, device),
        };
    }

    /// <summary>
    /// A base model named by a folder path, a catalog name ("esm2_t6_8M_UR50D") or a catalog model's hub id
    /// ("facebook/esm2_t6_8M_UR50D", as PEFT writes base_model_name_or_path).
    /// </summary>
    internal static string ResolveBase(string? name, string modelsDirectory, string adapterFolder)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException($"{Path.Combine(adapterFolder, PeftLayout.ConfigFile)} names no base_model_name_or_path; name the base model with --model (a catalog name or a model folder).");
        if (Directory.Exists(name))
        {
            var folder = Path.GetFullPath(name);
            if (!HuggingFaceModelFolder.LooksLikeModelFolder(folder))
                throw new ArgumentException($"Base model folder {folder} has no {HuggingFaceModelFolder.ConfigFileName} with {HuggingFaceModelFolder.WeightsFileName}.");
            return folder;
        }
        var entry = ModelCatalog.Find(name) ?? ModelCatalog.Entries.FirstOrDefault(e => string.Equals(e.HubId, name, StringComparison.OrdinalIgnoreCase));
        if (entry is null)
        {
            throw new ArgumentException(
                $"The base model '{name}' (base_model_name_or_path in {Path.Combine(adapterFolder, PeftLayout.ConfigFile)}) is neither a folder here, a catalog name nor a catalog model's hub id. " +
                $"Name the base with --model: a model folder, or one of {string.Join(", ", ModelCatalog.Entries.Select(e => e.Name))}.");
        }
        return ModelResolver.Resolve(entry.Name, modelsDirectory);
    }

    private static TrainedModel FromMerged(string folder, Device device)
    {
        var (esm, model, labels) = MergedModelReader.Read(folder, device);
        return new TrainedModel(folder, TrainedModelKind.MergedModel, folder, null, labels.Task, labels.ClassNames, TargetScaler.Identity, esm, model, device);
    }

    private static TrainedModel FromRun(string runDirectory, string? baseModel, string modelsDirectory, Device device)
    {
        var record = RunFolder.ReadRecord(runDirectory);
        var plan = record.Plan;
        var weights = plan.Method == AdapterMethod.Full ? RunFolder.FullModelFile : RunFolder.AdapterFile;
        foreach (var file in new[] { weights, RunFolder.HeadFile })
        {
            if (!File.Exists(Path.Combine(runDirectory, file)))
                throw new InvalidDataException($"{Path.Combine(runDirectory, file)} is missing: the run has not finished.");
        }
        var modelFolder = baseModel is not null ? ModelResolver.Resolve(baseModel, modelsDirectory)
            : HuggingFaceModelFolder.LooksLikeModelFolder(record.ModelFolder) ? record.ModelFolder
            : ModelResolver.Resolve(plan.Model, modelsDirectory);
        var esm = EsmModel.FromPretrained(modelFolder, device).Model;
        var classes = record.Task == TaskKind.Regression ? 1 : record.ClassNames?.Count ?? 2;
        SequenceModel? model = null;
        try
        {
            (model, var adapted) = RunModelBuilder.Build(esm, plan, classes, device, training: false);
            var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            using (no_grad())
            {
                if (plan.Method == AdapterMethod.Full)
                {
                    Copy(Path.Combine(runDirectory, RunFolder.FullModelFile), parameters, name => name);
                }
                else
                {
                    Copy(Path.Combine(runDirectory, RunFolder.AdapterFile), parameters, name => name.StartsWith(RunFolder.PeftPrefix, StringComparison.Ordinal)
                        ? name[RunFolder.PeftPrefix.Length..]
                        : null);
                }
                Copy(Path.Combine(runDirectory, RunFolder.HeadFile), parameters, name => name);
            }
            AdapterInjector.Merge(esm.Backbone, adapted);
            return new TrainedModel(runDirectory, TrainedModelKind.RunFolder, modelFolder, plan.Method, record.Task, record.ClassNames, record.TargetScaler, esm, model, device);
        }
        catch
        {
            model?.Dispose();
            esm.Dispose();
            throw;
        }
    }

    private static void Copy(string file, Dictionary<string, TorchSharp.Modules.Parameter> parameters, Func<string, string?> map)
    {
        using var source = SafetensorsFile.Open(file);
        foreach (var name in source.Names)
        {
            if (map(name) is not { } target) continue;
            if (!parameters.TryGetValue(target, out var p))
                throw new InvalidDataException($"{file}: tensor '{name}' does not belong to this model.");
            using var value = source.Read(name, p.dtype, p.device);
            p.copy_(value);
        }
    }
}
