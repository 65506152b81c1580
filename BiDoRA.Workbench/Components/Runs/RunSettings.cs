using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Runs;

namespace BiDoRA.Workbench.Components.Runs;

/// <summary>
/// What the New-run and New-sweep forms ask for in common: the dataset and model, the run's name, and every training
/// setting. Empty fields are left out of the request and take the plan's defaults.
/// </summary>
public sealed class RunSettings
{
    /// <summary>The plan's defaults, shown as placeholders.</summary>
    internal static readonly RunPlan Defaults = new() { DatasetPath = "", OutputDirectory = "" };

    public string? DatasetId { get; set; }
    public string? Model { get; set; } = Defaults.Model;
    public string? Name { get; set; }
    public int? Steps { get; set; }
    public int? BatchSize { get; set; }
    public int? Rank { get; set; }
    public double? Alpha { get; set; }
    public double? Dropout { get; set; }
    public string? Targets { get; set; }
    public double? LearningRate { get; set; }
    public double? WeightDecay { get; set; }
    public double? Warmup { get; set; }
    public LearningRateSchedule Schedule { get; set; } = Defaults.Schedule;
    public Pooling Pooling { get; set; } = Defaults.Pooling;
    public int? EvalEvery { get; set; }
    public int? CheckpointEvery { get; set; }
    public int? Patience { get; set; }
    public HypergradientMode Hypergradient { get; set; } = Defaults.Hypergradient;
    public double? UpperLearningRate { get; set; }
    public int? Unroll { get; set; }
    public double? RegularizerWeight { get; set; }
    public double? UpperValidationFraction { get; set; }
    public int? RetrainSteps { get; set; }
    public string? Device { get; set; }

    /// <summary>Cluster mode: the workers' queue; null for the first queue a live worker serves.</summary>
    public string? Queue { get; set; }

    /// <summary>
    /// The training settings for runs of <paramref name="methods"/>: adapter settings only when one of them has
    /// adapters, bi-level settings only when BiDoRA is among them. Dataset, name, method and seed are the caller's.
    /// </summary>
    public NewRunRequest ToRequest(IReadOnlyCollection<AdapterMethod> methods)
    {
        var adapters = methods.Any(m => m != AdapterMethod.Full);
        var biLevel = methods.Contains(AdapterMethod.BiDora);
        return new NewRunRequest
        {
            Model = Model,
            Steps = Steps,
            Rank = adapters ? Rank : null,
            Alpha = adapters ? Alpha : null,
            Dropout = adapters ? Dropout : null,
            TargetModules = !adapters || string.IsNullOrWhiteSpace(Targets) ? null : Targets.Split(',').Select(t => t.Trim()).ToList(),
            BatchSize = BatchSize,
            LearningRate = LearningRate,
            WeightDecay = WeightDecay,
            WarmupFraction = Warmup,
            Schedule = Schedule.ToString(),
            Pooling = Pooling.ToString(),
            EvalEvery = EvalEvery,
            CheckpointEvery = CheckpointEvery,
            EarlyStoppingPatience = Patience,
            Hypergradient = biLevel ? Hypergradient.ToString() : null,
            UpperLearningRate = biLevel ? UpperLearningRate : null,
            Unroll = biLevel ? Unroll : null,
            RegularizerWeight = biLevel ? RegularizerWeight : null,
            UpperValidationFraction = biLevel ? UpperValidationFraction : null,
            RetrainSteps = biLevel ? RetrainSteps : null,
            Device = string.IsNullOrWhiteSpace(Device) ? null : Device.Trim(),
            Queue = string.IsNullOrWhiteSpace(Queue) ? null : Queue.Trim(),
        };
    }

    /// <summary>Steps a run of <paramref name="method"/> takes in all: the main phase, and BiDoRA's retraining.</summary>
    public int? TotalSteps(AdapterMethod method) => (Steps ?? Defaults.Steps) + (method == AdapterMethod.BiDora ? RetrainSteps ?? 0 : 0);

    /// <summary>A request field's name as its form field is labelled; sweep fields come as <c>settings.field</c>.</summary>
    public static string Label(string field)
    {
        var name = field.StartsWith("settings.", StringComparison.Ordinal) ? field["settings.".Length..] : field;
        return name switch
        {
            "datasetId" => "Dataset",
            "seedCount" => "Seeds",
            "targetModules" => "Target modules",
            "batchSize" => "Batch size",
            "learningRate" => "Learning rate",
            "weightDecay" => "Weight decay",
            "warmupFraction" => "Warm-up fraction",
            "evalEvery" => "Evaluate every",
            "checkpointEvery" => "Checkpoint every",
            "earlyStoppingPatience" => "Patience",
            "upperLearningRate" => "Upper learning rate",
            "regularizerWeight" => "Regulariser weight",
            "upperValidationFraction" => "Upper validation share",
            "retrainSteps" => "Retraining steps",
            "heldOutFraction" => "Held-out share",
            "outputModel" => "New model's name",
            "maxResidues" => "Crop length",
            _ => char.ToUpperInvariant(name[0]) + name[1..],
        };
    }
}
