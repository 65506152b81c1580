namespace BiDoRA.Engine.Evaluation;

/// <summary>One adapted matrix at one saved step: a point of the ΔM–ΔD scatter.</summary>
/// <param name="Module">The matrix's module path in the backbone, e.g. encoder.layer.0.attention.self.query.</param>
/// <param name="Layer">Its encoder layer (0-based), when the path has one.</param>
/// <param name="Kind">The path below the layer, e.g. attention.self.query: points of one kind are fitted together.</param>
/// <param name="Step">The global training step of the snapshot.</param>
/// <param name="DeltaM">Mean absolute magnitude change.</param>
/// <param name="DeltaD">Mean directional change 1 − cos.</param>
/// <param name="Phase">The training phase the snapshot was taken in: train (single-level), search or retrain (BiDoRA).</param>
public sealed record WeightDecompositionPoint(string Module, int? Layer, string Kind, int Step, double DeltaM, double DeltaD, string Phase = "train");
