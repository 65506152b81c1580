using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Training;
using static TorchSharp.torch;

namespace BiDoRA.Engine.RunFolders;

/// <summary>
/// The files of a trained run: run.json (plan, versions, seed, data hash), adapter.safetensors + adapter_config.json in
/// Hugging Face PEFT's layout, head.safetensors, metrics.json, predictions.csv (model.safetensors for full fine-tuning).
/// </summary>
public static class RunFolder
{
    public const string RunFile = "run.json";
    public const string AdapterFile = "adapter.safetensors";
    public const string AdapterConfigFile = "adapter_config.json";
    public const string HeadFile = "head.safetensors";
    public const string FullModelFile = "model.safetensors";
    public const string MetricsFile = "metrics.json";
    public const string PredictionsFile = "predictions.csv";

    /// <summary>PEFT's prefix for the wrapped model's parameters.</summary>
    internal const string PeftPrefix = "base_model.model.";

    internal static JsonSerializerOptions Json { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        // The method converter first: it, not the general enum converter, decides how methods are spelled.
        Converters = { new AdapterMethodJsonConverter(), new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Reads the plan a run was started with.</summary>
    /// <exception cref="InvalidDataException">run.json is missing or unreadable; the message names the file.</exception>
    public static RunPlan ReadPlan(string runDirectory) => ReadRecord(runDirectory).Plan;

    /// <summary>
    /// The newest complete checkpoint of a run folder whose files match their recorded SHA-256 (the one a resume
    /// continues from), or null; newer ones refused go into <paramref name="refused"/>, each naming its file.
    /// </summary>
    public static (int Step, string Path)? LatestCheckpoint(string runDirectory, ICollection<string>? refused = null) =>
        new CheckpointStore(runDirectory).Latest(refused) is { } path && CheckpointStore.StepOf(path) is { } step ? (step, path) : null;

    internal static RunRecordFile ReadRecord(string runDirectory)
    {
        var path = Path.Combine(runDirectory, RunFile);
        if (!File.Exists(path)) throw new InvalidDataException($"{path} does not exist: not a run folder.");
        try
        {
            return JsonSerializer.Deserialize<RunRecordFile>(File.ReadAllText(path), Json)
                   ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a valid run description: {e.Message}", e);
        }
    }

    internal static void WriteRecord(string runDirectory, RunRecordFile record) =>
        AtomicWrite(Path.Combine(runDirectory, RunFile), JsonSerializer.Serialize(record, Json));

    internal static RunRecordFile Describe(TrainingSession session, DateTimeOffset created) => new()
    {
        Plan = session.Plan,
        EngineVersion = typeof(RunFolder).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
        TorchSharpVersion = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "unknown",
        Seed = session.Plan.Seed,
        DatasetHash = session.Data.DatasetHash,
        ModelFolder = session.ModelFolder,
        Task = session.Data.Task,
        ClassNames = session.Data.ClassNames,
        TargetScaler = session.Scaler,
        TrainableParameters = session.Parameters.Groups,
        PaperParameterCount = session.Parameters.PaperCount,
        TrainExamples = session.Data.Train.Count,
        ValidationExamples = session.Data.Validation.Count,
        TestExamples = session.Data.Test.Count,
        AdaptedModules = session.Adapted.Select(a => a.Name).ToList(),
        Created = created,
    };

    /// <summary>Writes the adapter, head (or full model), metrics and predictions of a finished run.</summary>
    internal static void WriteArtifacts(TrainingSession session, IReadOnlyList<ExamplePrediction> test, JsonObject metrics)
    {
        var dir = session.Plan.OutputDirectory;
        var head = session.Model.Head.named_parameters().ToDictionary(p => "classifier." + p.name, p => p.parameter.detach().cpu());
        if (session.Plan.Method == AdapterMethod.Full)
        {
            var backbone = session.Model.Backbone.named_parameters().ToDictionary(p => "esm." + p.name, p => p.parameter.detach().cpu());
            SafetensorsWriter.Write(Path.Combine(dir, FullModelFile), backbone);
        }
        else
        {
            var adapter = new Dictionary<string, Tensor>();
            foreach (var (name, layer) in session.Adapted)
            {
                var key = PeftPrefix + "esm." + name;
                adapter[key + ".lora_A.weight"] = layer.LoraA.detach().cpu();
                adapter[key + ".lora_B.weight"] = layer.LoraB.detach().cpu();
                if (layer is DoraLinear dora) adapter[key + ".lora_magnitude_vector"] = dora.Magnitude.detach().cpu();
            }
            foreach (var (name, value) in head) adapter[PeftPrefix + name] = value;
            SafetensorsWriter.Write(Path.Combine(dir, AdapterFile), adapter, new Dictionary<string, string> { ["format"] = "pt" });
            AtomicWrite(Path.Combine(dir, AdapterConfigFile), PeftConfig(session).ToJsonString(Json));
        }
        SafetensorsWriter.Write(Path.Combine(dir, HeadFile), head, new Dictionary<string, string> { ["format"] = "pt" });
        AtomicWrite(Path.Combine(dir, MetricsFile), metrics.ToJsonString(Json));
        WritePredictions(Path.Combine(dir, PredictionsFile), test, session.Data.Task, session.Data.ClassNames);
    }

    private static JsonObject PeftConfig(TrainingSession session)
    {
        var plan = session.Plan;
        var targets = new JsonArray();
        foreach (var t in plan.TargetModules) targets.Add(t);
        return new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "SEQ_CLS",
            ["base_model_name_or_path"] = plan.Model,
            ["r"] = plan.Rank,
            ["lora_alpha"] = plan.Alpha,
            ["lora_dropout"] = plan.Dropout,
            ["target_modules"] = targets,
            ["use_dora"] = plan.Method is AdapterMethod.Dora or AdapterMethod.BiDora,
            ["use_rslora"] = false,
            ["fan_in_fan_out"] = false,
            ["bias"] = "none",
            ["init_lora_weights"] = true,
            ["inference_mode"] = true,
            ["modules_to_save"] = new JsonArray("classifier"),
            ["bidora"] = plan.Method == AdapterMethod.BiDora,
        };
    }

    internal static void WritePredictions(string path, IReadOnlyList<ExamplePrediction> predictions, TaskKind task, IReadOnlyList<string>? classNames)
    {
        using var text = new StringWriter();
        PredictionsCsv.WriteTestSet(text, predictions, task, classNames);
        AtomicWrite(path, text.ToString());
    }


    /// <summary>Write beside, then rename: a crash never leaves a half-written file under the final name.</summary>
    internal static void AtomicWrite(string path, string content)
    {
        var temporary = path + ".partial";
        WriteDurably(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Writes <paramref name="content"/> and flushes it to disk, so a rename after it never publishes an empty file (a shared disk, a power cut).</summary>
    internal static void WriteDurably(string path, string content)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true)) writer.Write(content);
        stream.Flush(flushToDisk: true);
    }
}
