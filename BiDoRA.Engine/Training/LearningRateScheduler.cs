namespace BiDoRA.Engine.Training;

/// <summary>
/// Linear warm-up from 0, then linear (or cosine) decay to 0 at the last step: transformers'
/// get_linear_schedule_with_warmup / get_cosine_schedule_with_warmup, which the reference code uses. The factor for
/// the k-th optimiser step (k from 0) is what that scheduler returns before its k-th step() call.
/// </summary>
internal sealed class LearningRateScheduler(int totalSteps, double warmupFraction, LearningRateSchedule kind)
{
    public int TotalSteps { get; } = Math.Max(1, totalSteps);

    public int WarmupSteps { get; } = (int)(warmupFraction * Math.Max(1, totalSteps));

    public LearningRateSchedule Kind { get; } = kind;

    /// <summary>Multiplier of the base learning rate at optimiser step <paramref name="step"/> (0-based).</summary>
    public double Factor(int step)
    {
        if (step < WarmupSteps)
        {
            return (double)step / Math.Max(1, WarmupSteps);
        }
        var remaining = Math.Max(1, TotalSteps - WarmupSteps);
        return Kind switch
        {
            LearningRateSchedule.Linear => Math.Max(0.0, (double)(TotalSteps - step) / remaining),
            _ => Math.Max(0.0, 0.5 * (1 + Math.Cos(Math.PI * (double)(step - WarmupSteps) / remaining))),
        };
    }
}
