namespace BiDoRA.Engine.Design;

/// <summary>One cell of a positions × residues heatmap: the effect of putting <paramref name="Residue"/> at a 1-based position.</summary>
/// <remarks><c>Effect</c>: Change from the wild type (0 on the wild type's own residue).</remarks>
/// <remarks><c>Sd</c>: Sample sd of the effect across an ensemble's members; null for one model.</remarks>
public sealed record EffectCell(int Position, char WildType, char Residue, double Effect, double? Sd = null);
