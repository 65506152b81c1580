using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Interop;

/// <summary>
/// Applies a PEFT LoRA/DoRA adapter folder to its base model and merges it. Every tensor of adapter_model.safetensors
/// must have a place: a LoRA factor or DoRA magnitude of a Linear layer the base has and target_modules selects, a
/// classifier tensor (modules_to_save), or a base parameter (bias "all"/"lora_only"); every selected layer must have
/// its tensors. Anything else is an error naming the tensor.
/// </summary>
internal static class PeftAdapterReader
{
    public static TrainedModel Read(string folder, Func<string?, string> resolveBase, Device device)
    {
        var configPath = Path.Combine(folder, PeftLayout.ConfigFile);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{configPath} is missing: a PEFT adapter folder needs {PeftLayout.ConfigFile} and {PeftLayout.WeightsFile}.", configPath);
        var weightsPath = Path.Combine(folder, PeftLayout.WeightsFile);
        if (!File.Exists(weightsPath))
        {
            throw File.Exists(Path.Combine(folder, PeftLayout.PickleWeightsFile))
                ? new InvalidDataException($"{Path.Combine(folder, PeftLayout.PickleWeightsFile)} is a pickle file, which the workbench does not read (loading one can run arbitrary code). " +
                                           $"Save the adapter as safetensors (PEFT's default: model.save_pretrained(dir, safe_serialization=True)) to get {PeftLayout.WeightsFile}.")
                : new FileNotFoundException($"{weightsPath} is missing: a PEFT adapter folder needs {PeftLayout.ConfigFile} and {PeftLayout.WeightsFile}.", weightsPath);
        }
        var config = PeftAdapterConfig.Read(configPath);
        var baseFolder = resolveBase(config.BaseModel);

        EsmModel esm;
        SequenceModel? model = null;
        TaskLabels? baseLabels = null;
        if (MergedModelReader.IsClassificationFolder(baseFolder))
        {
            (esm, model, baseLabels) = MergedModelReader.Read(baseFolder, device);
        }
        else
        {
            esm = EsmModel.FromPretrained(baseFolder, device).Model;
        }
        try
        {
            using var weights = SafetensorsFile.Open(weightsPath);
            var plan = Plan(weights, config, esm.Backbone, baseFolder);
            if (plan.HeadOutputs is { } outputs)
            {
                model?.Head.Dispose();
                var head = new TaskHead(esm.Config.HiddenSize, outputs, 0, Pooling.Cls, device, ScalarType.Float32);
                WeightCopy.Head(head, weights, PeftLayout.Prefix + PeftLayout.Classifier + ".");
                model = new SequenceModel(esm.Backbone, head);
            }
            else if (model is null)
            {
                throw new InvalidDataException(
                    $"{weightsPath} holds no classifier (no '{PeftLayout.Prefix}{PeftLayout.Classifier}.*' tensors; modules_to_save is [{string.Join(", ", config.ModulesToSave)}]), " +
                    $"so the head would come from the base model {baseFolder}, which is a plain ESM-2 with no trained classifier: its predictions would be random. " +
                    "Save the adapter together with its head (PEFT task_type SEQ_CLS, or modules_to_save=[\"classifier\"]), or name a trained EsmForSequenceClassification folder as the base with --model.");
            }

            var parameters = esm.Backbone.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
            foreach (var (key, name) in plan.BaseTensors) WeightCopy.Into(weights, key, parameters[name]);

            var adapted = new List<AdaptedModule>();
            foreach (var layer in plan.Layers)
            {
                var scaling = config.Scaling(layer.Rank, layer.Alpha);
                adapted.AddRange(AdapterInjector.Inject(esm.Backbone, new AdapterOptions
                {
                    Method = config.UseDora ? AdapterMethod.Dora : AdapterMethod.Lora,
                    Rank = layer.Rank,
                    Alpha = scaling * layer.Rank,
                    TargetModules = [layer.Module],
                }));
                var wrapped = adapted[^1].Layer;
                var key = PeftLayout.Prefix + PeftLayout.BackbonePrefix + layer.Module;
                WeightCopy.Into(weights, key + PeftLayout.LoraA, wrapped.LoraA);
                WeightCopy.Into(weights, key + PeftLayout.LoraB, wrapped.LoraB);
                if (wrapped is DoraLinear dora) WeightCopy.Into(weights, key + PeftLayout.Magnitude, dora.Magnitude);
            }
            AdapterInjector.Merge(esm.Backbone, adapted);
            var labels = config.Labels is { } l
                ? TaskLabels.From(l["problem_type"]?.GetValue<string>(), l["id2label"] as System.Text.Json.Nodes.JsonObject, (int)model.Head.out_proj.weight!.shape[0], configPath)
                : plan.HeadOutputs is null && baseLabels is not null ? baseLabels : TaskLabels.From(null, null, (int)model.Head.out_proj.weight!.shape[0], configPath);
            var method = config.UseDora ? config.BiDora ? AdapterMethod.BiDora : AdapterMethod.Dora : AdapterMethod.Lora;
            return new TrainedModel(folder, TrainedModelKind.PeftAdapter, baseFolder, method, labels.Task, labels.ClassNames, TargetScaler.Identity, esm, model, device);
        }
        catch
        {
            model?.Dispose();
            esm.Dispose();
            throw;
        }
    }

    private sealed record LayerPlan(string Module, int Rank, double Alpha);

    private sealed record AdapterPlan(IReadOnlyList<LayerPlan> Layers, IReadOnlyList<(string Key, string Name)> BaseTensors, int? HeadOutputs);

    /// <summary>Sorts every tensor into its place and checks names and shapes before anything is changed.</summary>
    private static AdapterPlan Plan(SafetensorsFile weights, PeftAdapterConfig config, EsmBackbone backbone, string baseFolder)
    {
        var linears = backbone.named_modules().Where(m => m.module is Linear).ToDictionary(m => m.name, m => (Linear)m.module);
        var parameters = backbone.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        var baseName = $"base model {baseFolder} ({backbone.Config.NumHiddenLayers} layers, hidden {backbone.Config.HiddenSize})";
        var factors = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var baseTensors = new List<(string, string)>();
        var headPrefix = PeftLayout.Classifier + ".";
        var hasHead = false;

        if (config.TargetList is { } patterns)
        {
            var names = linears.Keys.Select(n => PeftLayout.BackbonePrefix + n).ToList();
            foreach (var pattern in patterns)
            {
                if (!names.Any(n => PeftAdapterConfig.Matches(n, pattern)) && !PeftAdapterConfig.Matches(PeftLayout.Classifier + ".dense", pattern) && !PeftAdapterConfig.Matches(PeftLayout.Classifier + ".out_proj", pattern))
                    throw new CheckpointFormatException(config.Path, $"target_modules lists '{pattern}', which matches no layer of the {baseName} (its attention layers are query, key and value; its feed-forward layers are dense).");
            }
        }

        foreach (var key in weights.Names.Order(StringComparer.Ordinal))
        {
            if (!key.StartsWith(PeftLayout.Prefix, StringComparison.Ordinal))
                throw new CheckpointFormatException(weights.Path, $"tensor '{key}' is not under '{PeftLayout.Prefix}', where PEFT saves the wrapped model's tensors.");
            var inner = key[PeftLayout.Prefix.Length..];
            var suffix = new[] { PeftLayout.LoraA, PeftLayout.LoraB, PeftLayout.Magnitude }.FirstOrDefault(s => inner.EndsWith(s, StringComparison.Ordinal));
            if (suffix is not null)
            {
                var module = inner[..^suffix.Length];
                if (!module.StartsWith(PeftLayout.BackbonePrefix, StringComparison.Ordinal) || !linears.ContainsKey(module[PeftLayout.BackbonePrefix.Length..]))
                    throw new CheckpointFormatException(weights.Path, $"tensor '{key}' adapts '{module}', which is not a Linear layer of the {baseName}.");
                if (!config.Targets(module))
                    throw new CheckpointFormatException(weights.Path, $"tensor '{key}' adapts '{module}', which target_modules in {PeftLayout.ConfigFile} does not select.");
                if (suffix == PeftLayout.Magnitude && !config.UseDora)
                    throw new CheckpointFormatException(weights.Path, $"tensor '{key}' is a DoRA magnitude but {PeftLayout.ConfigFile} has use_dora false.");
                if (!factors.TryGetValue(module, out var set)) factors[module] = set = [];
                set.Add(suffix);
            }
            else if (inner.Contains(".lora_", StringComparison.Ordinal))
            {
                throw new CheckpointFormatException(weights.Path, $"tensor '{key}' is a LoRA tensor of a kind the workbench does not read (only Linear layers' lora_A, lora_B and lora_magnitude_vector).");
            }
            else if (inner.StartsWith(headPrefix, StringComparison.Ordinal))
            {
                if (!PeftLayout.HeadTensors.Contains(inner[headPrefix.Length..]))
                    throw new CheckpointFormatException(weights.Path, $"tensor '{key}' is not part of EsmClassificationHead (dense and out_proj, weight and bias).");
                hasHead = true;
            }
            else if (inner.StartsWith(PeftLayout.BackbonePrefix, StringComparison.Ordinal) && parameters.TryGetValue(inner[PeftLayout.BackbonePrefix.Length..], out var shape))
            {
                var info = weights.GetInfo(key);
                if (!info.Shape.SequenceEqual(shape))
                    throw new CheckpointFormatException(weights.Path, $"tensor '{key}' has shape [{string.Join(", ", info.Shape)}] but the {baseName} needs [{string.Join(", ", shape)}].");
                baseTensors.Add((key, inner[PeftLayout.BackbonePrefix.Length..]));
            }
            else
            {
                throw new CheckpointFormatException(weights.Path, $"tensor '{key}' is neither a LoRA/DoRA tensor, a classifier tensor nor a parameter of the {baseName}.");
            }
        }

        var layers = new List<LayerPlan>();
        foreach (var (name, linear) in linears.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var module = PeftLayout.BackbonePrefix + name;
            var key = PeftLayout.Prefix + module;
            if (!factors.TryGetValue(module, out var present))
            {
                if (config.Targets(module) && (config.TargetList is not null || config.TargetRegex is not null))
                    throw new CheckpointFormatException(weights.Path, $"tensor '{key}{PeftLayout.LoraA}' is missing: target_modules selects '{module}' but the file has no adapter for it.");
                continue;
            }
            foreach (var needed in config.UseDora ? new[] { PeftLayout.LoraA, PeftLayout.LoraB, PeftLayout.Magnitude } : [PeftLayout.LoraA, PeftLayout.LoraB])
            {
                if (!present.Contains(needed))
                    throw new CheckpointFormatException(weights.Path, $"tensor '{key}{needed}' is missing; {module} has {string.Join(" and ", present.Select(p => p.TrimStart('.')))} only.");
            }
            var (outFeatures, inFeatures) = (linear.weight!.shape[0], linear.weight!.shape[1]);
            var a = weights.GetInfo(key + PeftLayout.LoraA).Shape;
            var (rank, alpha) = config.For(module);
            if (a.Count != 2 || a[1] != inFeatures || a[0] < 1)
                throw new CheckpointFormatException(weights.Path, $"tensor '{key}{PeftLayout.LoraA}' has shape [{string.Join(", ", a)}] but {module} of the {baseName} takes {inFeatures} inputs: it needs [{rank}, {inFeatures}].");
            if (a[0] != rank)
                throw new CheckpointFormatException(weights.Path, $"tensor '{key}{PeftLayout.LoraA}' has rank {a[0]} but {PeftLayout.ConfigFile} says r = {rank} for {module}.");
            var b = weights.GetInfo(key + PeftLayout.LoraB).Shape;
            if (!b.SequenceEqual([outFeatures, rank]))
                throw new CheckpointFormatException(weights.Path, $"tensor '{key}{PeftLayout.LoraB}' has shape [{string.Join(", ", b)}] but {module} of the {baseName} needs [{outFeatures}, {rank}].");
            if (config.UseDora)
            {
                var m = weights.GetInfo(key + PeftLayout.Magnitude).Shape;
                if (!m.SequenceEqual([outFeatures]))
                    throw new CheckpointFormatException(weights.Path, $"tensor '{key}{PeftLayout.Magnitude}' has shape [{string.Join(", ", m)}] but {module} of the {baseName} has {outFeatures} outputs: it needs [{outFeatures}].");
            }
            layers.Add(new LayerPlan(name, rank, alpha));
        }

        int? headOutputs = hasHead ? WeightCopy.HeadOutputs(weights, PeftLayout.Prefix + headPrefix, backbone.Config.HiddenSize) : null;
        return new AdapterPlan(layers, baseTensors, headOutputs);
    }
}
