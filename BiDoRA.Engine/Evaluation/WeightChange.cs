namespace BiDoRA.Engine.Evaluation;

/// <summary>How far one fine-tuned matrix moved from W0, split as in the DoRA paper (§3): magnitude and direction.</summary>
/// <param name="DeltaM">ΔM = mean over output rows of |m[o] − ‖W0[o,:]‖|.</param>
/// <param name="DeltaD">ΔD = mean over output rows of 1 − cos(V[o,:], W0[o,:]).</param>
public sealed record WeightChange(double DeltaM, double DeltaD);
