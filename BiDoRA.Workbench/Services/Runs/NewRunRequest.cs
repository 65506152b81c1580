namespace BiDoRA.Workbench.Services.Runs;

/// <summary>
/// What it takes to start a run: a dataset, and optionally anything of the run plan; what is left out takes the
/// plan's default. Enumerations are text ("bidora", "finiteDifference", "cosine"), case-insensitive.
/// </summary>
public sealed record NewRunRequest
{
    public string? DatasetId { get; init; }
    public string? Name { get; init; }
    public string? Model { get; init; }
    public string? Method { get; init; }
    public int? Steps { get; init; }
    public int? Epochs { get; init; }
    public int? Seed { get; init; }
    public int? Rank { get; init; }
    public double? Alpha { get; init; }
    public double? Dropout { get; init; }
    public IReadOnlyList<string>? TargetModules { get; init; }
    public bool? DetachNorm { get; init; }
    public string? Pooling { get; init; }
    public int? BatchSize { get; init; }
    public int? GradientAccumulation { get; init; }
    public double? LearningRate { get; init; }
    public double? WeightDecay { get; init; }
    public double? WarmupFraction { get; init; }
    public string? Schedule { get; init; }
    public double? MaxGradNorm { get; init; }
    public int? EvalEvery { get; init; }
    public int? EarlyStoppingPatience { get; init; }
    public int? CheckpointEvery { get; init; }
    public string? Hypergradient { get; init; }
    public double? UpperLearningRate { get; init; }
    public double? UpperWeightDecay { get; init; }
    public int? Unroll { get; init; }
    public double? RegularizerWeight { get; init; }
    public double? Xi { get; init; }
    public double? FiniteDifferenceRadius { get; init; }
    public double? UpperValidationFraction { get; init; }
    public int? RetrainSteps { get; init; }
    public bool? RetrainFromInitial { get; init; }
    public double? RetrainLearningRate { get; init; }
    public double? RetrainWeightDecay { get; init; }

    /// <summary>"last" (default) or "best" (on a held-out selection split of <see cref="SelectionFraction"/>).</summary>
    public string? Select { get; init; }
    public double? SelectionFraction { get; init; }
    public string? Device { get; init; }

    /// <summary>Cluster mode: the queue the run waits in (gpu, cpu, or any a worker serves); default: the first queue a live worker serves. Embedded mode has one queue and ignores it.</summary>
    public string? Queue { get; init; }

    /// <summary>"fineTune" (default) or "pretrain": continue the masked-LM training on the dataset's sequences.</summary>
    public string? Kind { get; init; }

    /// <summary>Pretraining: the name the pretrained model gets on the Models page (default: base-dataset-pretrained).</summary>
    public string? OutputModel { get; init; }

    /// <summary>Pretraining: share of the sequences held out for validation perplexity (default 0.05).</summary>
    public double? HeldOutFraction { get; init; }

    /// <summary>Pretraining: longer sequences are cropped to random windows of this many residues (default 1022).</summary>
    public int? MaxResidues { get; init; }
}
