using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Esm;

namespace BiDoRA.Engine.Training;

/// <summary>
/// Everything a training run needs, with defaults a biologist can start from. Serialised into the run folder's
/// run.json, so a run can be repeated or resumed from it alone.
/// </summary>
public sealed record RunPlan
{
    /// <summary>Dataset file (CSV, TSV, FASTA or XLSX) as the importers accept it.</summary>
    public required string DatasetPath { get; init; }

    /// <summary>Optional separate test file (the samples ship as train.csv + test.csv).</summary>
    public string? TestDatasetPath { get; init; }

    public string? SequenceColumn { get; init; }

    public string? LabelColumn { get; init; }

    /// <summary>Null: inferred from the labels.</summary>
    public TaskKind? Task { get; init; }

    /// <summary>A model folder in the Hugging Face layout, or a catalog name (e.g. "tiny", "esm2_t6_8M_UR50D").</summary>
    public string Model { get; init; } = "tiny";

    /// <summary>Where catalog models are downloaded; null means ./models.</summary>
    public string? ModelsDirectory { get; init; }

    public AdapterMethod Method { get; init; } = AdapterMethod.BiDora;

    public int Rank { get; init; } = 8;

    public double Alpha { get; init; } = 16;

    public double Dropout { get; init; }

    /// <summary>Name patterns of the linear layers to adapt; the BiDoRA paper adapts query and value.</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = ["query", "value"];

    /// <summary>
    /// Treat ||W0 + s·B·A|| as a constant in the backward pass (DoRA §4.3). Null takes the method's default: DoRA
    /// detaches it as PEFT does (the baseline users compare with is PEFT's DoRA); BiDoRA keeps the gradient through
    /// the norm as its reference code does (<c>loralib/bidora.py</c>), which is what its published numbers used.
    /// </summary>
    public bool? DetachNorm { get; init; }

    /// <summary>The norm handling this plan trains with (see <see cref="DetachNorm"/>).</summary>
    public bool DetachesNorm => DetachNorm ?? Method == AdapterMethod.Dora;

    public Pooling Pooling { get; init; } = Pooling.Cls;

    /// <summary>Optimiser steps of the main phase; when null, <see cref="Epochs"/> decides.</summary>
    public int? Steps { get; init; } = 200;

    public int? Epochs { get; init; }

    public int BatchSize { get; init; } = 16;

    public int GradientAccumulation { get; init; } = 1;

    /// <summary>Learning rate of the (lower-level) direction and head, or of everything for single-level methods.</summary>
    public double LearningRate { get; init; } = 1e-3;

    public double WeightDecay { get; init; } = 0.01;

    public double WarmupFraction { get; init; } = 0.1;

    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Linear;

    public double MaxGradNorm { get; init; } = 1.0;

    public const int DefaultEvalEvery = 50;

    public const int DefaultCheckpointEvery = 100;

    public int EvalEvery { get; init; } = DefaultEvalEvery;

    /// <summary>Stop after this many evaluations without improvement; null never stops early.</summary>
    public int? EarlyStoppingPatience { get; init; }

    public int CheckpointEvery { get; init; } = DefaultCheckpointEvery;

    // Bi-level (BiDoRA) settings.

    public HypergradientMode Hypergradient { get; init; } = HypergradientMode.FiniteDifference;

    public double UpperLearningRate { get; init; } = 1e-3;

    public double UpperWeightDecay { get; init; }

    /// <summary>Lower steps per upper step.</summary>
    public int Unroll { get; init; } = 1;

    /// <summary>λ of the orthogonality regulariser on the normalised direction.</summary>
    public double RegularizerWeight { get; init; } = 1e-5;

    /// <summary>ξ of the hypergradient (1 as in the reference implementation).</summary>
    public double Xi { get; init; } = 1.0;

    /// <summary>Finite-difference radius: ε = radius / ||v||.</summary>
    public double FiniteDifferenceRadius { get; init; } = 0.01;

    /// <summary>Share of the training set held out as D_val for the upper level.</summary>
    public double UpperValidationFraction { get; init; } = 0.2;

    /// <summary>
    /// Steps of BiDoRA's retraining phase (direction and head on all training data, magnitudes fixed; the paper's
    /// method has it); null retrains for as many steps as the search, 0 skips it.
    /// </summary>
    public int? RetrainSteps { get; init; }

    /// <summary>Learning rate of the retraining phase; null uses <see cref="LearningRate"/>.</summary>
    public double? RetrainLearningRate { get; init; }

    /// <summary>Weight decay of the retraining phase; null uses <see cref="WeightDecay"/> (as the reference code falls back).</summary>
    public double? RetrainWeightDecay { get; init; }

    /// <summary>
    /// How the final weights are chosen: <see cref="SelectionRule.Last"/> (default) keeps the last step of the final
    /// phase; <see cref="SelectionRule.Best"/> keeps the best evaluation on a selection split carved from the
    /// training rows (<see cref="SelectionFraction"/>) that no method trains on.
    /// </summary>
    public SelectionRule Select { get; init; } = SelectionRule.Last;

    /// <summary>With <see cref="SelectionRule.Best"/>: the share of the training rows held out for selection.</summary>
    public double SelectionFraction { get; init; } = 0.1;

    /// <summary>Restart direction and head from their initial values before retraining, as the reference code does.</summary>
    public bool RetrainFromInitial { get; init; } = true;

    public int Seed { get; init; } = 42;

    /// <summary>
    /// Cross-validation: K folds drawn (seeded by <see cref="Seed"/>, stratified for classification) from all
    /// labelled rows, training and test parts pooled; fold <see cref="Fold"/> is this run's test set. Null keeps
    /// the dataset's own test split.
    /// </summary>
    public int? Folds { get; init; }

    /// <summary>This run's test fold, 1 … <see cref="Folds"/>.</summary>
    public int? Fold { get; init; }

    /// <summary>
    /// Homology-aware folds: cluster the sequences at this identity (MMseqs2) and keep each cluster inside one
    /// fold. Null folds rows one by one.
    /// </summary>
    public double? ClusterIdentity { get; init; }

    /// <summary>auto | cpu | cuda | cuda:N.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Fine-tuning with a task head (the default) or masked-LM pretraining.</summary>
    public RunKind Kind { get; init; } = RunKind.FineTune;

    /// <summary>The settings of a <see cref="RunKind.Pretrain"/> run; null for fine-tuning.</summary>
    public PretrainingSettings? Pretraining { get; init; }

    /// <summary>The run folder; created if missing.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>The adapter settings of this plan.</summary>
    public AdapterOptions ToAdapterOptions() => new()
    {
        Method = Method, Rank = Rank, Alpha = Alpha, Dropout = Dropout, TargetModules = TargetModules, DetachNorm = DetachesNorm,
    };
}
