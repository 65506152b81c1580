namespace BiDoRA.Engine.Design;

/// <summary>A zero-shot score: Σ over mutated positions of log p(mt) − log p(wt); higher = the model finds it more plausible.</summary>
public sealed record VariantScore(string Location, string Variant, double Score, double? DmsScore);
