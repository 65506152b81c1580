using BiDoRA.Engine.Data;
using BiDoRA.Engine.Training;
namespace BiDoRA.Engine.RunFolders;

/// <summary>The non-tensor part of a checkpoint (state.json); tensors live beside it in state.safetensors.</summary>
internal sealed record CheckpointState
{
    public required TrainingPhase Phase { get; init; }

    /// <summary>Steps completed in <see cref="Phase"/>.</summary>
    public required int PhaseStep { get; init; }

    /// <summary>Steps completed over all phases (the number events and checkpoints carry).</summary>
    public required int GlobalStep { get; init; }

    public required StreamPosition LowerStream { get; init; }

    public StreamPosition? UpperStream { get; init; }

    public int UpperSteps { get; init; }

    public double? BestMetric { get; init; }

    public int? BestStep { get; init; }

    public int EvaluationsWithoutImprovement { get; init; }

    public double ElapsedSeconds { get; init; }
}
