using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Training;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Interop;

/// <summary>
/// Writes a finished run as a folder the Hugging Face ecosystem loads: a PEFT adapter (with the classifier saved as
/// PEFT saves a modules_to_save module) or a merged transformers EsmForSequenceClassification; each with a model card.
/// A regression run's target standardisation is folded into out_proj, so either loads with outputs in the data's units.
/// </summary>
public static class RunExporter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private static readonly IReadOnlyDictionary<string, string> PtFormat = new Dictionary<string, string> { ["format"] = "pt" };

    /// <summary>The formats a run of <paramref name="method"/> can be exported in: full fine-tuning has no adapter.</summary>
    public static IReadOnlyList<ExportFormat> FormatsFor(AdapterMethod method) =>
        method == AdapterMethod.Full ? [ExportFormat.Merged] : [ExportFormat.Peft, ExportFormat.Merged];

    /// <summary>Why the run cannot be exported in <paramref name="format"/>, or null when it can.</summary>
    public static string? WhyNot(string runDirectory, ExportFormat format)
    {
        RunResults results;
        try
        {
            results = RunResults.Read(runDirectory);
        }
        catch (InvalidDataException e)
        {
            return e.Message;
        }
        if (results.Plan.Kind == RunKind.Pretrain)
            return "A pretraining run writes a base model folder, not a classifier; train a run on it (it is listed on the Models page) and export that.";
        if (!results.Completed) return $"{runDirectory} has not finished; only a completed run can be exported.";
        if (format == ExportFormat.Peft && results.Method == AdapterMethod.Full)
            return "A full fine-tuning run changed every weight and has no adapter: export it with format 'merged'.";
        if (results.Plan.Pooling != Pooling.Cls)
            return "The run pools the mean over residues, but transformers' EsmClassificationHead reads the <cls> state only, so an export would predict differently. Train with <cls> pooling to export.";
        return null;
    }

    /// <summary>
    /// Writes the export into <paramref name="outDirectory"/> (created; it must be missing or empty). Files appear
    /// there only when all are written.
    /// </summary>
    /// <exception cref="ArgumentException">The run cannot be exported in that format, or the folder is not empty.</exception>
    /// <exception cref="InvalidDataException">The run folder is unreadable or unfinished.</exception>
    public static ExportResult Export(string runDirectory, ExportFormat format, string outDirectory, ExportOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ExportOptions();
        var run = Path.GetFullPath(runDirectory);
        var target = Path.GetFullPath(outDirectory);
        if (WhyNot(run, format) is { } reason)
        {
            throw reason.Contains("has not finished", StringComparison.Ordinal) || reason.Contains(RunFolder.RunFile, StringComparison.Ordinal)
                ? new InvalidDataException(reason)
                : new ArgumentException(reason, nameof(format));
        }
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
            throw new ArgumentException($"{target} exists and is not empty; choose a new folder so that nothing there is overwritten.", nameof(outDirectory));

        var parent = Path.GetDirectoryName(target) ?? ".";
        Directory.CreateDirectory(parent);
        var scratch = Path.Combine(parent, $".{Path.GetFileName(target)}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        try
        {
            var results = RunResults.Read(run);
            var record = RunFolder.ReadRecord(run);
            var labels = new TaskLabels(record.Task, record.Task == TaskKind.Regression ? null : record.ClassNames ?? ["0", "1"]);
            cancellationToken.ThrowIfCancellationRequested();
            if (format == ExportFormat.Peft) WritePeft(run, record, labels, scratch);
            else WriteMerged(run, record, labels, scratch, options.ModelsDirectory, cancellationToken);
            File.WriteAllText(Path.Combine(scratch, ModelCard.FileName), ModelCard.Write(results, record, format, BaseModelId(record), options));
            if (Directory.Exists(target)) Directory.Delete(target);
            Directory.Move(scratch, target);
        }
        catch
        {
            Directory.Delete(scratch, recursive: true);
            throw;
        }
        return new ExportResult(target, format, Directory.EnumerateFiles(target).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()!);
    }

    /// <summary>The export as a zip archive (its files at the top level), written to <paramref name="destination"/>.</summary>
    public static async Task WriteZipAsync(string runDirectory, ExportFormat format, Stream destination, ExportOptions? options = null, CancellationToken cancellationToken = default)
    {
        var scratch = Path.Combine(Path.GetTempPath(), "bidora-export-" + Guid.NewGuid().ToString("N"));
        try
        {
            var result = await Task.Run(() => Export(runDirectory, format, scratch, options, cancellationToken), cancellationToken);
            await using var zip = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var file in result.Files)
            {
                var entry = zip.CreateEntry(file, CompressionLevel.Fastest);
                await using var output = await entry.OpenAsync(cancellationToken);
                await using var input = File.OpenRead(Path.Combine(result.Directory, file));
                await input.CopyToAsync(output, cancellationToken);
            }
        }
        finally
        {
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>What a Python user passes to from_pretrained for the base: the hub id of a catalog model, else the name or folder the run used.</summary>
    internal static string BaseModelId(RunRecordFile record) =>
        ModelCatalog.Find(record.Plan.Model) is { HubId: { } hub } ? hub : record.Plan.Model;

    private static void WritePeft(string run, RunRecordFile record, TaskLabels labels, string folder)
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(run, RunFolder.AdapterConfigFile))) as JsonObject
                     ?? throw new InvalidDataException($"{Path.Combine(run, RunFolder.AdapterConfigFile)} is not a JSON object.");
        config["base_model_name_or_path"] = BaseModelId(record);
        config["target_modules"] = new JsonArray([.. PeftTargets(record.Plan.TargetModules, record.AdaptedModules).Select(t => (JsonNode)t)]);
        config[PeftLayout.LabelsKey] = new JsonObject { ["problem_type"] = labels.ProblemType, ["id2label"] = labels.Id2Label() };
        File.WriteAllText(Path.Combine(folder, PeftLayout.ConfigFile), config.ToJsonString(Indented));

        using var scope = NewDisposeScope();
        using var adapter = SafetensorsFile.Open(Path.Combine(run, RunFolder.AdapterFile));
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var name in adapter.Names.Where(n => n.Contains(".lora_", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            tensors.Add(new(name, adapter.Read(name, ScalarType.Float32)));
        foreach (var (name, value) in Head(run, record.TargetScaler))
            tensors.Add(new(PeftLayout.Prefix + name, value));
        SafetensorsWriter.Write(Path.Combine(folder, PeftLayout.WeightsFile), tensors, PtFormat);
    }

    private static void WriteMerged(string run, RunRecordFile record, TaskLabels labels, string folder, string? modelsDirectory, CancellationToken cancellationToken)
    {
        using var trained = TrainedModelLoader.Load(run, new TrainedModelLoadOptions { ModelsDirectory = modelsDirectory, Device = "cpu" });
        var baseConfigPath = Path.Combine(trained.BaseModel, HuggingFaceModelFolder.ConfigFileName);
        var config = JsonNode.Parse(File.ReadAllText(baseConfigPath)) as JsonObject
                     ?? throw new InvalidDataException($"{baseConfigPath} is not a JSON object.");
        config["architectures"] = new JsonArray(TransformersLayout.Architecture);
        config["num_labels"] = labels.Task == TaskKind.Regression ? 1 : labels.ClassNames!.Count;
        config["id2label"] = labels.Id2Label();
        config["label2id"] = labels.Label2Id();
        config["problem_type"] = labels.ProblemType;
        config["torch_dtype"] = "float32";
        File.WriteAllText(Path.Combine(folder, HuggingFaceModelFolder.ConfigFileName), config.ToJsonString(Indented));
        cancellationToken.ThrowIfCancellationRequested();

        using var scope = NewDisposeScope();
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, value) in trained.Model.Backbone.state_dict())
            tensors.Add(new(TransformersLayout.BackbonePrefix + name, value.detach().to(ScalarType.Float32, CPU)));
        // transformers' EsmModel always has the contact head; shipping the base's keeps from_pretrained from
        // reporting it as newly initialised (it plays no part in classification).
        using (var baseFiles = HuggingFaceModelFolder.Open(trained.BaseModel))
        {
            foreach (var name in baseFiles.Weights.Names.Where(n => n.StartsWith(TransformersLayout.ContactHeadPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
                tensors.Add(new(name, baseFiles.Weights.Read(name, ScalarType.Float32)));
        }
        foreach (var (name, value) in Head(run, record.TargetScaler)) tensors.Add(new(name, value));
        SafetensorsWriter.Write(Path.Combine(folder, HuggingFaceModelFolder.WeightsFileName), tensors, PtFormat);

        File.WriteAllText(Path.Combine(folder, HuggingFaceModelFolder.VocabularyFileName), string.Join("\n", trained.Tokenizer.Vocabulary));
        CopyOrWrite(trained.BaseModel, folder, TransformersLayout.SpecialTokensFile, new JsonObject
        {
            ["cls_token"] = "<cls>", ["eos_token"] = "<eos>", ["mask_token"] = "<mask>", ["pad_token"] = "<pad>", ["unk_token"] = "<unk>",
        });
        CopyOrWrite(trained.BaseModel, folder, TransformersLayout.TokenizerConfigFile, new JsonObject
        {
            ["tokenizer_class"] = "EsmTokenizer",
            ["model_max_length"] = Esm.EsmTokenizer.MaxResidues + 2,
            ["do_lower_case"] = false,
            ["cls_token"] = "<cls>", ["eos_token"] = "<eos>", ["mask_token"] = "<mask>", ["pad_token"] = "<pad>", ["unk_token"] = "<unk>",
        });
    }

    private static void CopyOrWrite(string baseFolder, string folder, string file, JsonObject fallback)
    {
        var source = Path.Combine(baseFolder, file);
        if (File.Exists(source)) File.Copy(source, Path.Combine(folder, file));
        else File.WriteAllText(Path.Combine(folder, file), fallback.ToJsonString(Indented));
    }

    /// <summary>
    /// classifier.* from head.safetensors in float32; for regression y = σ·(W h + b) + μ is folded into out_proj
    /// (W' = σW, b' = σb + μ), computed in float64.
    /// </summary>
    private static List<(string Name, Tensor Value)> Head(string run, TargetScaler scaler)
    {
        using var head = SafetensorsFile.Open(Path.Combine(run, RunFolder.HeadFile));
        var result = new List<(string, Tensor)>();
        foreach (var name in head.Names.Order(StringComparer.Ordinal))
        {
            using var value = head.Read(name, ScalarType.Float64);
            Tensor folded = name switch
            {
                "classifier.out_proj.weight" => value * scaler.Std,
                "classifier.out_proj.bias" => value * scaler.Std + scaler.Mean,
                _ => value.clone(),
            };
            result.Add((name, folded.to(ScalarType.Float32)));
            folded.Dispose();
        }
        return result;
    }

    /// <summary>
    /// target_modules for adapter_config.json. PEFT matches names of the whole EsmForSequenceClassification, where a
    /// pattern such as "dense" would also catch classifier.dense, and knows nothing of the workbench's "regex:"
    /// patterns; then the adapted layers are listed by full name, which PEFT matches exactly.
    /// </summary>
    internal static IReadOnlyList<string> PeftTargets(IReadOnlyList<string> patterns, IReadOnlyList<string> adapted)
    {
        string[] outside = ["classifier.dense", "classifier.out_proj", "esm.contact_head.regression"];
        var plain = patterns.All(p => !p.StartsWith("regex:", StringComparison.Ordinal) && !outside.Any(o => PeftAdapterConfig.Matches(o, p)));
        return plain ? patterns : adapted.Select(a => PeftLayout.BackbonePrefix + a).ToList();
    }
}
