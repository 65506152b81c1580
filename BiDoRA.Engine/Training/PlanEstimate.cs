namespace BiDoRA.Engine.Training;

/// <summary>What a plan will train and roughly how long a step takes, known before the run starts.</summary>
/// <param name="TrainableParameters">Per group, exactly as the trainer will report them in <see cref="RunStarted"/>.</param>
/// <param name="TotalParameters">Parameters of the backbone and task head.</param>
/// <param name="FlopsPerStep">Floating-point operations of one optimiser step (a search step counts its upper step too).</param>
/// <param name="SecondsPerStep">A rough time per step on this machine's CPU; null when the plan trains on a GPU.</param>
public sealed record PlanEstimate(IReadOnlyList<ParameterGroup> TrainableParameters, long TotalParameters, double FlopsPerStep, double? SecondsPerStep)
{
    public long Trainable => TrainableParameters.Sum(g => g.Count);
}
