using System.Text.Json.Nodes;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Interop;
using BiDoRA.Engine.Prediction;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Tests.Training;
using BiDoRA.Engine.Training;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Interop;

/// <summary>
/// Imports of adapters trained elsewhere, from the hand-made PEFT fixtures: a DoRA adapter with its classifier
/// predicts what the DoRA formula written out here predicts; a LoRA adapter without one is refused on a plain base
/// and uses a trained base's head; and each kind of bad folder gets an error that names the file and tensor.
/// </summary>
public sealed class ImportTests
{
    private static string Tiny => TrainingTestData.TinyModel;

    [Fact]
    public void Hand_made_DoRA_adapter_with_classifier_predicts_as_the_DoRA_formula_over_the_base_does()
    {
        using var predictor = Predictor.Load(InteropTestData.DoraWithClassifier, device: "cpu", baseModel: Tiny);
        Assert.Equal(TrainedModelKind.PeftAdapter, predictor.Kind);
        Assert.Equal(Engine.Data.TaskKind.Multiclass, predictor.Task);
        Assert.Equal(["LABEL_0", "LABEL_1", "LABEL_2"], predictor.ClassNames);

        var weights = HfSequenceClassifier.ReadAll(Path.Combine(Tiny, "model.safetensors"));
        var adapter = HfSequenceClassifier.ReadAll(Path.Combine(InteropTestData.DoraWithClassifier, "adapter_model.safetensors"));
        const double scaling = 4.0 / 2;   // lora_alpha / r of the fixture
        for (var layer = 0; layer < 2; layer++)
        {
            foreach (var module in new[] { "query", "value" })
            {
                var name = $"esm.encoder.layer.{layer}.attention.self.{module}";
                var a = adapter[$"base_model.model.{name}.lora_A.weight"];
                var b = adapter[$"base_model.model.{name}.lora_B.weight"];
                var m = adapter[$"base_model.model.{name}.lora_magnitude_vector"];
                var direction = weights[name + ".weight"] + einsum("or,ri->oi", b, a) * scaling;
                weights[name + ".weight"] = direction * (m / direction.norm(1)).unsqueeze(1);
            }
        }
        foreach (var part in new[] { "dense.weight", "dense.bias", "out_proj.weight", "out_proj.bias" })
            weights["classifier." + part] = adapter["base_model.model.classifier." + part];
        using var reference = new HfSequenceClassifier(weights, HfSequenceClassifier.Config(Tiny));
        InteropTestData.AssertClose(InteropTestData.Outputs(reference, InteropTestData.Sequences), InteropTestData.Outputs(predictor, InteropTestData.Sequences), 1e-5);
    }

    [Fact]
    public void Base_model_that_cannot_be_resolved_here_asks_for_model()
    {
        var e = Assert.Throws<ArgumentException>(() => Predictor.Load(InteropTestData.DoraWithClassifier, device: "cpu"));
        Assert.Contains("hf-user/esm2-tiny-a", e.Message);
        Assert.Contains("--model", e.Message);
    }

    [Fact]
    public void LoRA_adapter_without_a_classifier_is_refused_on_a_plain_base_model()
    {
        var e = Assert.Throws<InvalidDataException>(() => Predictor.Load(InteropTestData.LoraWithoutClassifier, device: "cpu", baseModel: Tiny));
        Assert.Contains("no classifier", e.Message);
        Assert.Contains("random", e.Message);
        Assert.Contains("modules_to_save", e.Message);
    }

    [Fact]
    public async Task LoRA_adapter_without_a_classifier_takes_the_head_of_a_trained_classifier_base()
    {
        var run = await InteropTestData.TrainedRun(AdapterMethod.BiDora);
        var merged = Path.Combine(TrainingTestData.TempRunFolder(), "merged");
        RunExporter.Export(run, ExportFormat.Merged, merged);
        using var predictor = Predictor.Load(InteropTestData.LoraWithoutClassifier, device: "cpu", baseModel: merged);
        Assert.Equal(RunFolder.ReadRecord(run).ClassNames, predictor.ClassNames);

        var weights = HfSequenceClassifier.ReadAll(Path.Combine(merged, "model.safetensors"));
        var adapter = HfSequenceClassifier.ReadAll(Path.Combine(InteropTestData.LoraWithoutClassifier, "adapter_model.safetensors"));
        var scaling = 8.0 / Math.Sqrt(4);   // rsLoRA: lora_alpha / √r
        for (var layer = 0; layer < 2; layer++)
        {
            var name = $"esm.encoder.layer.{layer}.attention.self.key";
            weights[name + ".weight"] = weights[name + ".weight"] + einsum("or,ri->oi", adapter[$"base_model.model.{name}.lora_B.weight"], adapter[$"base_model.model.{name}.lora_A.weight"]) * scaling;
        }
        using var reference = new HfSequenceClassifier(weights, HfSequenceClassifier.Config(merged));
        InteropTestData.AssertClose(InteropTestData.Outputs(reference, InteropTestData.Sequences), InteropTestData.Outputs(predictor, InteropTestData.Sequences), 1e-5);
    }

    [Fact]
    public void A_base_model_folder_is_not_a_trained_model()
    {
        var e = Assert.Throws<CheckpointFormatException>(() => Predictor.Load(Tiny, device: "cpu"));
        Assert.Contains("EsmForMaskedLM", e.Message);
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public async Task Merged_folder_with_a_missing_tensor_names_it()
    {
        var run = await InteropTestData.TrainedRun(AdapterMethod.Lora);
        var merged = Path.Combine(TrainingTestData.TempRunFolder(), "merged");
        RunExporter.Export(run, ExportFormat.Merged, merged);
        Rewrite(Path.Combine(merged, "model.safetensors"), t => t.Remove("esm.encoder.layer.1.attention.self.value.bias"));
        var e = Assert.Throws<CheckpointFormatException>(() => Predictor.Load(merged, device: "cpu"));
        Assert.Contains("'esm.encoder.layer.1.attention.self.value.bias' is missing", e.Message);
    }

    private const string Query0 = "base_model.model.esm.encoder.layer.0.attention.self.query";
    private const string Value0 = "base_model.model.esm.encoder.layer.0.attention.self.value";

    public static TheoryData<string, string[]> BadFolders() => new()
    {
        { "no-weights", ["adapter_model.safetensors is missing"] },
        { "pickle-only", ["adapter_model.bin", "pickle", "safetensors"] },
        { "unknown-peft-type", ["peft_type 'IA3' is not supported", "adapter_config.json"] },
        { "target-the-base-lacks", ["target_modules lists 'q_proj'", "matches no layer"] },
        { "layer-the-base-lacks", ["'base_model.model.esm.encoder.layer.7.attention.self.query.lora_A.weight'", "not a Linear layer", "2 layers"] },
        { "wrong-shape", [$"'{Query0}.lora_A.weight' has shape [2, 31]", "takes 32 inputs"] },
        { "wrong-rank", [$"'{Query0}.lora_A.weight' has rank 3", "r = 2"] },
        { "missing-lora-B", [$"'{Value0}.lora_B.weight' is missing"] },
        { "missing-magnitude", [$"'{Value0}.lora_magnitude_vector' is missing"] },
        { "magnitude-wrong-shape", [$"'{Query0}.lora_magnitude_vector' has shape [31]", "needs [32]"] },
        { "unexpected-tensor", ["'base_model.model.esm.pooler.dense.weight'", "neither"] },
        { "classifier-wrong-shape", ["'base_model.model.classifier.out_proj.weight' has shape [3, 31]"] },
        { "classifier-incomplete", ["'base_model.model.classifier.out_proj.bias' is missing"] },
        { "layer-not-targeted", [$"'{Value0}.lora_A.weight' adapts 'esm.encoder.layer.0.attention.self.value', which target_modules", "does not select"] },
    };

    [Theory]
    [MemberData(nameof(BadFolders))]
    public void Bad_adapter_folders_get_errors_naming_the_file_and_tensor(string problem, string[] expected)
    {
        var folder = InteropTestData.CopyFolder(InteropTestData.DoraWithClassifier);
        var weights = Path.Combine(folder, "adapter_model.safetensors");
        switch (problem)
        {
            case "no-weights":
                File.Delete(weights);
                break;
            case "pickle-only":
                File.Move(weights, Path.Combine(folder, "adapter_model.bin"));
                break;
            case "unknown-peft-type":
                EditConfig(folder, c => c["peft_type"] = "IA3");
                break;
            case "target-the-base-lacks":
                EditConfig(folder, c => c["target_modules"] = new JsonArray("q_proj", "value", "query"));
                break;
            case "layer-the-base-lacks":
                Rewrite(weights, t => Rename(t, "layer.1.", "layer.7."));
                break;
            case "wrong-shape":
                Rewrite(weights, t => t[Query0 + ".lora_A.weight"] = zeros(2, 31));
                break;
            case "wrong-rank":
                Rewrite(weights, t => t[Query0 + ".lora_A.weight"] = zeros(3, 32));
                break;
            case "missing-lora-B":
                Rewrite(weights, t => t.Remove(Value0 + ".lora_B.weight"));
                break;
            case "missing-magnitude":
                Rewrite(weights, t => t.Remove(Value0 + ".lora_magnitude_vector"));
                break;
            case "magnitude-wrong-shape":
                Rewrite(weights, t => t[Query0 + ".lora_magnitude_vector"] = ones(31));
                break;
            case "unexpected-tensor":
                Rewrite(weights, t => t["base_model.model.esm.pooler.dense.weight"] = zeros(32, 32));
                break;
            case "classifier-wrong-shape":
                Rewrite(weights, t => t["base_model.model.classifier.out_proj.weight"] = zeros(3, 31));
                break;
            case "classifier-incomplete":
                Rewrite(weights, t => t.Remove("base_model.model.classifier.out_proj.bias"));
                break;
            case "layer-not-targeted":
                EditConfig(folder, c => c["target_modules"] = new JsonArray("query"));
                break;
        }
        var before = Directory.EnumerateFiles(folder).ToDictionary(f => f, File.ReadAllBytes);
        var e = Assert.ThrowsAny<Exception>(() => Predictor.Load(folder, device: "cpu", baseModel: Tiny));
        Assert.True(e is IOException or InvalidDataException, $"{e.GetType().Name}: {e.Message}");
        foreach (var text in expected) Assert.Contains(text, e.Message);
        Assert.Contains(folder, e.Message);
        Assert.All(before, kv => Assert.Equal(kv.Value, File.ReadAllBytes(kv.Key)));
    }

    private static void EditConfig(string folder, Action<JsonObject> edit)
    {
        var path = Path.Combine(folder, "adapter_config.json");
        var config = (JsonObject)JsonNode.Parse(File.ReadAllText(path))!;
        edit(config);
        File.WriteAllText(path, config.ToJsonString());
    }

    private static void Rewrite(string path, Action<Dictionary<string, Tensor>> edit)
    {
        Dictionary<string, Tensor> tensors;
        using (var file = SafetensorsFile.Open(path)) tensors = file.Names.ToDictionary(n => n, n => file.Read(n));
        edit(tensors);
        File.Delete(path);
        SafetensorsWriter.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
    }

    private static void Rename(Dictionary<string, Tensor> tensors, string from, string to)
    {
        foreach (var key in tensors.Keys.Where(k => k.Contains(from, StringComparison.Ordinal)).ToList())
        {
            tensors[key.Replace(from, to, StringComparison.Ordinal)] = tensors[key];
            tensors.Remove(key);
        }
    }
}
