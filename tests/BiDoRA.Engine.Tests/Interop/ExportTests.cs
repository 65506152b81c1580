using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Interop;
using BiDoRA.Engine.Prediction;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Tests.Esm;
using BiDoRA.Engine.Tests.Training;
using BiDoRA.Engine.Training;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Interop;

/// <summary>
/// Exports in PEFT's and transformers' layouts: file and key names as PEFT saves them (compared with the hand-made
/// fixture), a merged folder that a forward pass written from the Hugging Face names alone reproduces, model cards,
/// and the round trip export → import → predict for every method.
/// </summary>
public sealed class ExportTests
{
    [Theory]
    [MemberData(nameof(FixtureSets))]
    public void Reference_forward_written_from_HF_names_matches_the_fixture_classifier_logits(string set)
    {
        // The test-side forward is itself checked against the PyTorch reference before it judges exports.
        using var fixture = ReferenceFixture.Open(set);
        var weights = HfSequenceClassifier.ReadAll(Path.Combine(fixture.ModelDirectory, "model.safetensors"));
        foreach (var name in fixture.Tensors.Names.Where(n => n.StartsWith("classifier.", StringComparison.Ordinal) && !n.Contains("logits", StringComparison.Ordinal)))
            weights[name] = fixture.Read(name, float64);
        using var model = new HfSequenceClassifier(weights, HfSequenceClassifier.Config(fixture.ModelDirectory));
        using var ids = fixture.Read("input_ids");
        using var mask = fixture.Read("attention_mask");
        using var logits = model.Logits(ids, mask);
        using var expected = fixture.Read("classifier_logits_cls.f64");
        Assert.Null(Parity.Check("classifier_logits_cls", logits, expected, 1e-10));
    }

    public static IEnumerable<object[]> FixtureSets() => TestPaths.FixtureSets();

    [Fact]
    public async Task Peft_export_has_PEFTs_file_and_key_names_as_the_hand_made_adapter_does()
    {
        var run = await InteropTestData.TrainedRun(AdapterMethod.BiDora);
        var dir = Path.Combine(TrainingTestData.TempRunFolder(), "peft");
        var result = RunExporter.Export(run, ExportFormat.Peft, dir);

        Assert.Equal(["README.md", "adapter_config.json", "adapter_model.safetensors"], result.Files);
        using var exported = SafetensorsFile.Open(Path.Combine(dir, "adapter_model.safetensors"));
        using var handMade = SafetensorsFile.Open(Path.Combine(InteropTestData.DoraWithClassifier, "adapter_model.safetensors"));
        // Same model shape and targets (query, value of the 2-layer tiny model, DoRA, classifier saved): same keys.
        Assert.Equal(handMade.Names.Order(StringComparer.Ordinal), exported.Names.Order(StringComparer.Ordinal));
        Assert.Contains("base_model.model.esm.encoder.layer.1.attention.self.value.lora_magnitude_vector", exported.Names);
        Assert.Contains("base_model.model.classifier.out_proj.bias", exported.Names);
        Assert.Equal("pt", exported.Metadata["format"]);
        Assert.Equal([32L], exported.GetInfo("base_model.model.esm.encoder.layer.0.attention.self.query.lora_magnitude_vector").Shape);
        Assert.Equal([4L, 32L], exported.GetInfo("base_model.model.esm.encoder.layer.0.attention.self.query.lora_A.weight").Shape);

        var config = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "adapter_config.json")))!;
        Assert.Equal("LORA", (string?)config["peft_type"]);
        Assert.Equal("SEQ_CLS", (string?)config["task_type"]);
        Assert.True((bool)config["use_dora"]!);
        Assert.True((bool)config["bidora"]!);
        Assert.Equal(4, (int)config["r"]!);
        Assert.Equal(8.0, (double)config["lora_alpha"]!);
        Assert.Equal(["classifier"], config["modules_to_save"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(["query", "value"], config["target_modules"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(TrainingTestData.TinyModel, (string?)config["base_model_name_or_path"]);
        Assert.Equal(["0", "1"], config["bidora_labels"]!["id2label"]!.AsObject().Select(kv => kv.Key));
        // Every field the hand-made PEFT config has that decides the computation is there.
        var handConfig = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(InteropTestData.DoraWithClassifier, "adapter_config.json")))!;
        foreach (var key in new[] { "peft_type", "task_type", "r", "lora_alpha", "use_dora", "use_rslora", "target_modules", "modules_to_save", "bias", "fan_in_fan_out", "base_model_name_or_path" })
        {
            Assert.True(handConfig.ContainsKey(key));
            Assert.True(config.ContainsKey(key), $"adapter_config.json lacks {key}");
        }
    }

    [Fact]
    public async Task Peft_export_lists_adapted_layers_by_full_name_when_a_pattern_would_also_catch_the_classifier()
    {
        var run = await InteropTestData.TrainedRun(AdapterMethod.Dora, dense: true);
        var dir = Path.Combine(TrainingTestData.TempRunFolder(), "peft");
        RunExporter.Export(run, ExportFormat.Peft, dir);
        var config = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "adapter_config.json")))!;
        var targets = config["target_modules"]!.AsArray().Select(n => (string)n!).ToList();
        Assert.DoesNotContain("dense", targets);
        Assert.Contains("esm.encoder.layer.1.intermediate.dense", targets);
        Assert.Contains("esm.encoder.layer.0.attention.self.query", targets);
        Assert.Equal(2 * 5, targets.Count);   // per layer: query, value, attention.output.dense, intermediate.dense, output.dense
        Assert.All(targets, t => Assert.Matches(new Regex(@"^esm\.encoder\.layer\.\d+\."), t));
    }

    [Fact]
    public async Task Merged_export_loads_by_HF_names_alone_and_a_forward_written_from_them_equals_predict()
    {
        var run = await InteropTestData.TrainedRun(AdapterMethod.BiDora);
        var dir = Path.Combine(TrainingTestData.TempRunFolder(), "merged");
        var result = RunExporter.Export(run, ExportFormat.Merged, dir);
        Assert.Equal(["README.md", "config.json", "model.safetensors", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt"], result.Files);

        var config = HfSequenceClassifier.Config(dir);
        Assert.Equal(["EsmForSequenceClassification"], config["architectures"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(2, (int)config["num_labels"]!);
        Assert.Equal("single_label_classification", (string?)config["problem_type"]);
        var classes = RunFolder.ReadRecord(run).ClassNames!;
        Assert.Equal(classes, config["id2label"]!.AsObject().OrderBy(kv => int.Parse(kv.Key)).Select(kv => (string)kv.Value!));
        Assert.Equal(1, (int)config["label2id"]![classes[1]]!);
        Assert.Equal(32, (int)config["hidden_size"]!);

        var weights = HfSequenceClassifier.ReadAll(Path.Combine(dir, "model.safetensors"));
        Assert.DoesNotContain(weights.Keys, k => k.StartsWith("lm_head", StringComparison.Ordinal));
        Assert.DoesNotContain(weights.Keys, k => k.Contains("lora_", StringComparison.Ordinal) || k.Contains("base_layer", StringComparison.Ordinal));
        Assert.All(weights.Keys, k => Assert.True(k.StartsWith("esm.", StringComparison.Ordinal) || k.StartsWith("classifier.", StringComparison.Ordinal), k));
        Assert.Contains("esm.contact_head.regression.weight", weights.Keys);
        Assert.Equal(File.ReadAllText(Path.Combine(TrainingTestData.TinyModel, "vocab.txt")).TrimEnd('\n'), File.ReadAllText(Path.Combine(dir, "vocab.txt")).TrimEnd('\n'));

        using var reference = new HfSequenceClassifier(weights, config);
        using var predictor = Predictor.Load(run, device: "cpu");
        InteropTestData.AssertClose(InteropTestData.Outputs(reference, InteropTestData.Sequences), InteropTestData.Outputs(predictor, InteropTestData.Sequences), 1e-5);
    }

    [Fact]
    public async Task Full_fine_tuning_exports_merged_only()
    {
        var run = await InteropTestData.TrainedRun(AdapterMethod.Full);
        Assert.Equal([ExportFormat.Merged], RunExporter.FormatsFor(AdapterMethod.Full));
        var dir = Path.Combine(TrainingTestData.TempRunFolder(), "peft");
        var e = Assert.Throws<ArgumentException>(() => RunExporter.Export(run, ExportFormat.Peft, dir));
        Assert.Contains("merged", e.Message);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task Export_refuses_a_folder_that_is_not_empty_and_leaves_it_as_it_was()
    {
        var run = await InteropTestData.TrainedRun(AdapterMethod.Lora);
        var dir = TrainingTestData.TempRunFolder();
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "mine");
        var e = Assert.Throws<ArgumentException>(() => RunExporter.Export(run, ExportFormat.Merged, dir));
        Assert.Contains("not empty", e.Message);
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Model_card_has_HF_front_matter_the_data_hash_and_test_metrics_with_intervals()
    {
        var run = await InteropTestData.TrainedRun(AdapterMethod.BiDora);
        var dir = Path.Combine(TrainingTestData.TempRunFolder(), "peft");
        RunExporter.Export(run, ExportFormat.Peft, dir);
        var card = File.ReadAllText(Path.Combine(dir, "README.md"));
        var front = Regex.Match(card, "^---\n(.*?)\n---\n", RegexOptions.Singleline);
        Assert.True(front.Success, "no YAML front matter");
        var yaml = front.Groups[1].Value;
        Assert.Contains("library_name: peft", yaml);
        Assert.Contains("base_model: " + TrainingTestData.TinyModel, yaml);
        Assert.Contains("pipeline_tag: text-classification", yaml);
        Assert.Matches(new Regex(@"tags:\n(- [a-z0-9-]+\n)*- bidora\n"), yaml + "\n");

        var results = Engine.Evaluation.RunResults.Read(run);
        Assert.Contains(results.DatasetHash, card);
        Assert.Matches(new Regex("^[0-9a-f]{64}$"), results.DatasetHash);
        Assert.Contains("bbp", card);
        Assert.Contains("| rank r | 4 |", card);
        Assert.Contains("BiDoRA", card);
        Assert.Contains("Intended use and limits", card);
        Assert.Contains("BiDoRA Workbench " + ModelCard.Version(), card);
        var mcc = Regex.Match(card, @"\| mcc \| (\S+) \| (\S+) – (\S+) \|");
        Assert.True(mcc.Success, "no MCC row with an interval");
        var (value, lower, upper) = (double.Parse(mcc.Groups[1].Value), double.Parse(mcc.Groups[2].Value), double.Parse(mcc.Groups[3].Value));
        Assert.InRange(value, lower - 1e-3, upper + 1e-3);
        Assert.Equal(results.Test["mcc"], value, 3);
        Assert.Contains("PeftModel.from_pretrained", card);
    }

    public static TheoryData<AdapterMethod, ExportFormat> RoundTrips() => new()
    {
        { AdapterMethod.Lora, ExportFormat.Peft }, { AdapterMethod.Lora, ExportFormat.Merged },
        { AdapterMethod.Dora, ExportFormat.Peft }, { AdapterMethod.Dora, ExportFormat.Merged },
        { AdapterMethod.BiDora, ExportFormat.Peft }, { AdapterMethod.BiDora, ExportFormat.Merged },
        { AdapterMethod.Full, ExportFormat.Merged },
    };

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public async Task Export_then_import_predicts_as_the_run_does_to_1e_6(AdapterMethod method, ExportFormat format)
    {
        var run = await InteropTestData.TrainedRun(method);
        var dir = Path.Combine(TrainingTestData.TempRunFolder(), format.ToString());
        RunExporter.Export(run, format, dir);
        using var original = Predictor.Load(run, device: "cpu");
        using var imported = Predictor.Load(dir, device: "cpu");
        Assert.Equal(format == ExportFormat.Peft ? TrainedModelKind.PeftAdapter : TrainedModelKind.MergedModel, imported.Kind);
        Assert.Equal(original.Task, imported.Task);
        Assert.Equal(original.ClassNames, imported.ClassNames);
        InteropTestData.AssertClose(InteropTestData.Outputs(original, InteropTestData.Sequences), InteropTestData.Outputs(imported, InteropTestData.Sequences), 1e-6);
        Assert.Equal(original.Predict(InteropTestData.Sequences).Select(p => p.Label), imported.Predict(InteropTestData.Sequences).Select(p => p.Label));
    }

    [Theory]
    [InlineData(ExportFormat.Peft)]
    [InlineData(ExportFormat.Merged)]
    public async Task Regression_exports_give_values_in_the_data_units_through_the_round_trip(ExportFormat format)
    {
        var run = await InteropTestData.RegressionRun();
        var scaler = RunFolder.ReadRecord(run).TargetScaler;
        Assert.NotEqual(TargetScaler.Identity, scaler);
        var dir = Path.Combine(TrainingTestData.TempRunFolder(), format.ToString());
        RunExporter.Export(run, format, dir);
        using var original = Predictor.Load(run, device: "cpu");
        using var imported = Predictor.Load(dir, device: "cpu");
        Assert.Equal(Engine.Data.TaskKind.Regression, imported.Task);
        InteropTestData.AssertClose(InteropTestData.Outputs(original, InteropTestData.Sequences), InteropTestData.Outputs(imported, InteropTestData.Sequences), 1e-6, relative: true);
        if (format == ExportFormat.Merged)
        {
            Assert.Equal("regression", (string?)HfSequenceClassifier.Config(dir)["problem_type"]);
            using var reference = new HfSequenceClassifier(HfSequenceClassifier.ReadAll(Path.Combine(dir, "model.safetensors")), HfSequenceClassifier.Config(dir));
            InteropTestData.AssertClose(InteropTestData.Outputs(reference, InteropTestData.Sequences, regression: true), InteropTestData.Outputs(original, InteropTestData.Sequences), 1e-5, relative: true);
        }
    }
}
