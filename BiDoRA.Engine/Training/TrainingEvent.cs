using System.Text.Json.Serialization;

namespace BiDoRA.Engine.Training;

/// <summary>
/// What a run reports as it goes. The workbench stores these, numbers them and forwards them to browsers;
/// the engine emits them through <see cref="IProgress{T}"/>.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(RunStarted), "runStarted")]
[JsonDerivedType(typeof(StepCompleted), "step")]
[JsonDerivedType(typeof(Evaluated), "evaluated")]
[JsonDerivedType(typeof(MagnitudesSnapshot), "magnitudes")]
[JsonDerivedType(typeof(CheckpointSaved), "checkpoint")]
[JsonDerivedType(typeof(RunCompleted), "completed")]
[JsonDerivedType(typeof(RunFailed), "failed")]
[JsonDerivedType(typeof(RunCancelled), "cancelled")]
public abstract record TrainingEvent
{
    public DateTimeOffset Time { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>Trainable parameters of one group (the paper's #Params column counts adapters and magnitudes).</summary>
public sealed record ParameterGroup(string Name, long Count);

public sealed record RunStarted(
    int TotalSteps,
    IReadOnlyList<ParameterGroup> TrainableParameters,
    long TotalParameters,
    string Device,
    int TrainExamples,
    int ValidationExamples,
    int TestExamples) : TrainingEvent
{
    /// <summary>
    /// Checkpoints a resume passed over because their files no longer match their recorded SHA-256 (or are gone),
    /// each with the file at fault; the attempt continues from the one before them, or from the start. Null when none.
    /// </summary>
    public IReadOnlyList<string>? RefusedCheckpoints { get; init; }
}

/// <summary>One optimiser step. For BiDoRA's search phase, one lower step plus the upper step that followed it.</summary>
public sealed record StepCompleted(
    TrainingPhase Phase,
    int Step,
    int TotalSteps,
    double Loss,
    double? UpperLoss,
    double? Regularizer,
    double LearningRate,
    double? UpperLearningRate,
    double TokensPerSecond,
    TimeSpan Eta) : TrainingEvent;

/// <summary>A sample of predictions made at evaluation time.</summary>
public sealed record PredictionSample(string Sequence, double Target, double Predicted, IReadOnlyList<double>? Probabilities);

public sealed record Evaluated(
    int Step,
    string Split,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyList<PredictionSample> Predictions) : TrainingEvent
{
    /// <summary>
    /// The run trained on these rows: D_val is the upper level's data for BiDoRA and part of the training data of
    /// single-level methods and of BiDoRA's retraining, so its metrics are optimistic. The selection split is not.
    /// </summary>
    public bool InSample { get; init; }
}

/// <summary>Per-layer statistics of the magnitude vector of one adapted matrix.</summary>
public sealed record MagnitudeStats(string Module, double Mean, double Std, double Min, double Max, double MeanAbsChange);

public sealed record MagnitudesSnapshot(int Step, IReadOnlyList<MagnitudeStats> Layers) : TrainingEvent;

public sealed record CheckpointSaved(int Step, string Path) : TrainingEvent;

public sealed record RunCompleted(IReadOnlyDictionary<string, double> TestMetrics, string OutputDirectory, TimeSpan Duration) : TrainingEvent;

public sealed record RunFailed(string Message, int? Step) : TrainingEvent;

public sealed record RunCancelled(int Step, string? CheckpointPath) : TrainingEvent;
