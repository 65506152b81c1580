using System.Text.RegularExpressions;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Cluster;
using BiDoRA.Workbench.Services.Datasets;
using BiDoRA.Workbench.Services.Models;
using BiDoRA.Workbench.Services.Storage;
using Microsoft.Extensions.Options;

namespace BiDoRA.Workbench.Services.Runs;

/// <summary>
/// Checks a <see cref="NewRunRequest"/> field by field and turns it into a run: its own folder with a copy of the
/// dataset (so deleting the dataset later never breaks the run) and a complete <see cref="RunPlan"/>.
/// </summary>
internal sealed partial class RunFactory(IDatasetStore datasets, WorkbenchPaths paths, ModelLibrary models, IOptions<ClusterOptions> cluster)
{
    /// <summary>Field name (as in JSON) → messages; empty when the request is valid.</summary>
    /// <remarks>Checks what only the workbench knows (datasets, models, enumeration names, run kinds) and leaves the settings to <see cref="RunPlanValidator"/>.</remarks>
    public Dictionary<string, string[]> Validate(NewRunRequest request)
    {
        var errors = new Dictionary<string, List<string>>();
        void Fail(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
            list.Add(message);
        }

        if (string.IsNullOrWhiteSpace(request.DatasetId)) Fail("datasetId", "is required.");
        else if (datasets.Get(request.DatasetId) is null) Fail("datasetId", $"no dataset has the id '{request.DatasetId}'.");

        if (request.Name is { Length: > 200 }) Fail("name", "must be at most 200 characters.");
        if (request.Model is { } model && !models.IsKnown(model))
        {
            Fail("model", $"'{model}' is neither a catalog model ({string.Join(", ", ModelCatalog.Entries.Select(e => e.Name))}) nor a model imported into the models folder.");
        }

        CheckEnum<AdapterMethod>(request.Method, "method", Fail);
        CheckEnum<Pooling>(request.Pooling, "pooling", Fail);
        CheckEnum<LearningRateSchedule>(request.Schedule, "schedule", Fail);
        CheckEnum<HypergradientMode>(request.Hypergradient, "hypergradient", Fail);
        CheckEnum<SelectionRule>(request.Select, "select", Fail);

        // The settings themselves: the engine's rules, shared with the command line.
        var dataset = string.IsNullOrWhiteSpace(request.DatasetId) ? null : datasets.Get(request.DatasetId);
        var settings = Settings(request, dataset, datasetPath: "", Path.Combine(paths.RunsDirectory, "preview"), request.Model);
        foreach (var (field, messages) in RunPlanValidator.Validate(settings))
        {
            foreach (var message in messages) Fail(field, message);
        }

        if (request.Queue is { } queue && !QueueName().IsMatch(queue.Trim())) Fail("queue", "use lower-case letters, digits, '_' and '-' (at most 50), e.g. gpu or cpu.");

        CheckEnum<RunKind>(request.Kind, "kind", Fail);
        if (IsPretraining(request))
        {
            if (ParseEnum(request.Method, AdapterMethod.Full) == AdapterMethod.BiDora) Fail("method", "pretraining trains with full, lora or dora.");
            var output = OutputModelName(request);
            if (!ModelLibrary.IsValidName(output)) Fail("outputModel", "use letters, digits, '.', '_' and '-' (at most 128).");
            else if (models.IsKnown(output!) || Directory.Exists(Path.Combine(paths.ModelsDirectory, output!))) Fail("outputModel", $"a model named '{output}' already exists; choose another name.");
            if (request.HeldOutFraction is { } h && !(h > 0 && h < 1)) Fail("heldOutFraction", "must be between 0 and 1 (exclusive).");
            if (request.MaxResidues is <= 0) Fail("maxResidues", "must be greater than 0.");
        }
        else if (request.OutputModel is not null || request.HeldOutFraction is not null || request.MaxResidues is not null)
        {
            Fail("kind", "outputModel, heldOutFraction and maxResidues belong to pretraining runs (kind \"pretrain\").");
        }

        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    /// <summary>Builds the run of a request that <see cref="Validate"/> accepted; creates its folder and copies the dataset.</summary>
    public RunRecord Create(NewRunRequest request)
    {
        var dataset = datasets.Get(request.DatasetId!) ?? throw new InvalidOperationException($"Dataset '{request.DatasetId}' vanished.");
        var id = RecordId.New();
        var folder = paths.RunFolder(id);
        Directory.CreateDirectory(folder);
        var datasetCopy = Path.Combine(folder, "dataset.csv");
        File.Copy(paths.DatasetFile(dataset.Id), datasetCopy, overwrite: true);

        var plan = Plan(request, dataset, datasetCopy, folder);

        var kind = plan.Kind == RunKind.Pretrain ? $"pretrain {plan.Method.ToString().ToLowerInvariant()}" : plan.Method.ToString().ToLowerInvariant();
        var name = string.IsNullOrWhiteSpace(request.Name) ? $"{kind} · {dataset.Name}" : request.Name.Trim();
        // Null: the cluster's queue picks the first queue a live worker serves when the run is queued.
        var queue = cluster.Value.Enabled && !string.IsNullOrWhiteSpace(request.Queue) ? request.Queue.Trim() : null;
        return new RunRecord { Id = id, Name = name, DatasetId = dataset.Id, Plan = plan, CreatedAt = DateTimeOffset.UtcNow, Queue = queue };
    }

    /// <summary>The plan a valid request would run, without creating anything (for estimates before starting).</summary>
    public RunPlan Preview(NewRunRequest request)
    {
        var dataset = datasets.Get(request.DatasetId ?? "") ?? throw new ArgumentException($"No dataset has the id '{request.DatasetId}'.", nameof(request));
        return Plan(request, dataset, paths.DatasetFile(dataset.Id), Path.Combine(paths.RunsDirectory, "preview"));
    }

    private RunPlan Plan(NewRunRequest request, DatasetRecord dataset, string datasetPath, string folder)
    {
        var plan = Settings(request, dataset, datasetPath, folder, request.Model is { } requested ? ModelArgument(requested) : null);
        return IsPretraining(request) ? PretrainingPlan(plan, request, dataset, datasetPath) : plan;
    }

    /// <summary>The request's settings over the plan's defaults; <paramref name="model"/> null takes the default model.</summary>
    private RunPlan Settings(NewRunRequest request, DatasetRecord? dataset, string datasetPath, string folder, string? model)
    {
        var defaults = new RunPlan { DatasetPath = datasetPath, OutputDirectory = folder, ModelsDirectory = paths.ModelsDirectory };
        return defaults with
        {
            SequenceColumn = dataset?.SequenceColumn,
            LabelColumn = dataset?.LabelColumn,
            Task = dataset?.Task,
            Model = model ?? defaults.Model,
            Method = ParseEnum(request.Method, defaults.Method),
            Rank = request.Rank ?? defaults.Rank,
            Alpha = request.Alpha ?? defaults.Alpha,
            Dropout = request.Dropout ?? defaults.Dropout,
            TargetModules = request.TargetModules?.Select(t => t.Trim()).ToArray() ?? defaults.TargetModules,
            DetachNorm = request.DetachNorm ?? defaults.DetachNorm,
            Pooling = ParseEnum(request.Pooling, defaults.Pooling),
            Steps = request.Epochs is not null ? request.Steps : request.Steps ?? defaults.Steps,
            Epochs = request.Epochs ?? defaults.Epochs,
            BatchSize = request.BatchSize ?? defaults.BatchSize,
            GradientAccumulation = request.GradientAccumulation ?? defaults.GradientAccumulation,
            LearningRate = request.LearningRate ?? defaults.LearningRate,
            WeightDecay = request.WeightDecay ?? defaults.WeightDecay,
            WarmupFraction = request.WarmupFraction ?? defaults.WarmupFraction,
            Schedule = ParseEnum(request.Schedule, defaults.Schedule),
            MaxGradNorm = request.MaxGradNorm ?? defaults.MaxGradNorm,
            EvalEvery = request.EvalEvery ?? defaults.EvalEvery,
            EarlyStoppingPatience = request.EarlyStoppingPatience ?? defaults.EarlyStoppingPatience,
            CheckpointEvery = request.CheckpointEvery ?? defaults.CheckpointEvery,
            Hypergradient = ParseEnum(request.Hypergradient, defaults.Hypergradient),
            UpperLearningRate = request.UpperLearningRate ?? defaults.UpperLearningRate,
            UpperWeightDecay = request.UpperWeightDecay ?? defaults.UpperWeightDecay,
            Unroll = request.Unroll ?? defaults.Unroll,
            RegularizerWeight = request.RegularizerWeight ?? defaults.RegularizerWeight,
            Xi = request.Xi ?? defaults.Xi,
            FiniteDifferenceRadius = request.FiniteDifferenceRadius ?? defaults.FiniteDifferenceRadius,
            UpperValidationFraction = request.UpperValidationFraction ?? defaults.UpperValidationFraction,
            RetrainSteps = request.RetrainSteps ?? defaults.RetrainSteps,
            RetrainFromInitial = request.RetrainFromInitial ?? defaults.RetrainFromInitial,
            RetrainLearningRate = request.RetrainLearningRate ?? defaults.RetrainLearningRate,
            RetrainWeightDecay = request.RetrainWeightDecay ?? defaults.RetrainWeightDecay,
            Select = ParseEnum(request.Select, defaults.Select),
            SelectionFraction = request.SelectionFraction ?? defaults.SelectionFraction,
            Seed = request.Seed ?? defaults.Seed,
            Device = request.Device ?? defaults.Device,
        };
    }

    /// <summary>
    /// A pretraining run reads the dataset's sequences (its test rows left out, labels ignored) and writes its model
    /// into the models folder under the requested name, where the Models page and every later run find it.
    /// </summary>
    private RunPlan PretrainingPlan(RunPlan plan, NewRunRequest request, DatasetRecord dataset, string datasetPath) => plan with
    {
        Kind = RunKind.Pretrain,
        Method = ParseEnum(request.Method, AdapterMethod.Full),
        Steps = request.Epochs is not null ? request.Steps : request.Steps ?? plan.Steps,
        Pretraining = new PretrainingSettings
        {
            SequenceFiles = [datasetPath],
            ModelDirectory = Path.Combine(paths.ModelsDirectory, OutputModelName(request, dataset)!),
            HeldOutFraction = request.HeldOutFraction ?? PretrainingSettings.DefaultHeldOutFraction,
            MaxResidues = request.MaxResidues ?? new PretrainingSettings().MaxResidues,
        },
    };

    public static bool IsPretraining(NewRunRequest request) => TryParseEnum<RunKind>(request.Kind ?? "", out var kind) && kind == RunKind.Pretrain;

    /// <summary>The requested name of a pretrained model, or the default one: base-dataset-pretrained, made a valid name.</summary>
    public string? OutputModelName(NewRunRequest request, DatasetRecord? dataset = null)
    {
        if (!string.IsNullOrWhiteSpace(request.OutputModel)) return request.OutputModel.Trim();
        dataset ??= datasets.Get(request.DatasetId ?? "");
        var model = models.Find(request.Model ?? "")?.Name ?? request.Model ?? new RunPlan { DatasetPath = "", OutputDirectory = "" }.Model;
        var raw = $"{model}-{dataset?.Name ?? "sequences"}-pretrained";
        var cleaned = NameCharacters().Replace(raw, "-").Trim('-', '.', '_');
        return cleaned.Length > 128 ? cleaned[..128] : cleaned;
    }

    /// <summary>Hangfire's rule for queue names.</summary>
    [GeneratedRegex("^[a-z0-9_-]{1,50}$", RegexOptions.CultureInvariant)]
    private static partial Regex QueueName();

    [GeneratedRegex("[^A-Za-z0-9._-]+", RegexOptions.CultureInvariant)]
    private static partial Regex NameCharacters();

    // Catalog models go by name (the trainer finds them downloaded or bundled); imported ones by their folder.
    private string ModelArgument(string requested)
    {
        var name = models.Find(requested)?.Name ?? requested;
        return ModelCatalog.Find(name) is null ? models.ResolveFolder(name) : name;
    }

    private static void CheckEnum<T>(string? value, string field, Action<string, string> fail) where T : struct, Enum
    {
        if (value is not null && !TryParseEnum<T>(value, out _))
        {
            fail(field, $"'{value}' is not one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}.");
        }
    }

    private static T ParseEnum<T>(string? value, T fallback) where T : struct, Enum =>
        value is not null && TryParseEnum<T>(value, out var parsed) ? parsed : fallback;

    // Names only: Enum.TryParse alone would also take "7".
    private static bool TryParseEnum<T>(string value, out T parsed) where T : struct, Enum
    {
        parsed = default;
        return Enum.GetNames<T>().Any(n => n.Equals(value.Trim(), StringComparison.OrdinalIgnoreCase))
            && Enum.TryParse(value.Trim(), ignoreCase: true, out parsed);
    }

}
