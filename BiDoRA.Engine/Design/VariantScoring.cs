namespace BiDoRA.Engine.Design;

/// <summary>Zero-shot scores of a list of variants, the per-position heatmap behind them and, when DMS scores were given, Spearman ρ.</summary>
/// <remarks><c>Cells</c>: log p(residue) − log p(wt) for the 20 standard residues at every position that was scored.</remarks>
/// <remarks><c>Spearman</c>: Spearman ρ between scores and DMS scores, over the variants that have one (at least 3); else null.</remarks>
public sealed record VariantScoring(string WildType, ZeroShotMethod Method, IReadOnlyList<VariantScore> Scores, IReadOnlyList<EffectCell> Cells, double? Spearman, int WithDmsScore);
