using System.Text.Json;
using System.Text.Json.Nodes;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Training;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Interop;

/// <summary>Reads a transformers EsmForSequenceClassification folder (ours or anyone's) into a backbone and head.</summary>
internal static class MergedModelReader
{
    /// <summary>Whether config.json declares EsmForSequenceClassification (cheap; validates nothing else).</summary>
    public static bool IsClassificationFolder(string folder)
    {
        var path = Path.Combine(folder, HuggingFaceModelFolder.ConfigFileName);
        if (!File.Exists(path)) return false;
        try
        {
            return Architectures(JsonNode.Parse(File.ReadAllText(path)) as JsonObject).Contains(TransformersLayout.Architecture);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <exception cref="CheckpointFormatException">A file is missing or malformed, or a tensor is missing or mis-shaped; the message names it.</exception>
    public static (EsmModel Esm, SequenceModel Model, TaskLabels Labels) Read(string folder, Device device)
    {
        var configPath = Path.Combine(folder, HuggingFaceModelFolder.ConfigFileName);
        if (!File.Exists(configPath))
            throw new CheckpointFormatException(folder, $"no {HuggingFaceModelFolder.ConfigFileName}; a transformers model folder needs {HuggingFaceModelFolder.ConfigFileName}, {HuggingFaceModelFolder.VocabularyFileName} and {HuggingFaceModelFolder.WeightsFileName}.");
        JsonObject config;
        try
        {
            config = JsonNode.Parse(File.ReadAllText(configPath)) as JsonObject ?? throw new CheckpointFormatException(configPath, "expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(configPath, $"not valid JSON ({e.Message}).", e);
        }
        var architectures = Architectures(config);
        if (!architectures.Contains(TransformersLayout.Architecture))
        {
            throw new CheckpointFormatException(configPath, architectures.Count == 0
                ? $"no architectures; a trained classifier's config.json says [\"{TransformersLayout.Architecture}\"]."
                : $"architectures is [{string.Join(", ", architectures)}], not {TransformersLayout.Architecture}: this is a base model without a trained head. Give it as the base (--model) of an adapter, or train a run on it.");
        }
        using var files = HuggingFaceModelFolder.Open(folder);
        var esm = EsmModel.Create(files.Config, device: device, tokenizer: files.Tokenizer);
        try
        {
            WeightCopy.Backbone(esm.Backbone, files.Weights, TransformersLayout.BackbonePrefix);
            var outputs = WeightCopy.HeadOutputs(files.Weights, TransformersLayout.HeadPrefix, files.Config.HiddenSize);
            var labels = TaskLabels.From(config["problem_type"]?.GetValue<string>(), config["id2label"] as JsonObject, outputs, configPath);
            var head = new TaskHead(files.Config.HiddenSize, outputs, 0, Pooling.Cls, device, ScalarType.Float32);
            WeightCopy.Head(head, files.Weights, TransformersLayout.HeadPrefix);
            foreach (var name in files.Weights.Names)
            {
                if (name.StartsWith(TransformersLayout.BackbonePrefix, StringComparison.Ordinal) || name.StartsWith(TransformersLayout.HeadPrefix, StringComparison.Ordinal)) continue;
                throw new CheckpointFormatException(files.Weights.Path, $"tensor '{name}' is not part of {TransformersLayout.Architecture} (expected names under 'esm.' and 'classifier.').");
            }
            return (esm, new SequenceModel(esm.Backbone, head), labels);
        }
        catch
        {
            esm.Dispose();
            throw;
        }
    }

    private static List<string> Architectures(JsonObject? config) =>
        config?["architectures"] is JsonArray a ? a.Select(n => n?.GetValue<string>() ?? "").ToList() : [];
}
