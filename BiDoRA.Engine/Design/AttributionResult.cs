namespace BiDoRA.Engine.Design;

/// <summary>
/// Integrated-gradients attribution of one prediction to its residues (summed over the embedding dimension).
/// Completeness says Σ attributions = f(x) − f(baseline); <see cref="CompletenessError"/> is how far the
/// <see cref="Steps"/>-point midpoint rule is from it, in the target's units.
/// </summary>
/// <remarks><c>Attributions</c>: One per residue, in sequence order.</remarks>
public sealed record AttributionResult(string Sequence, string Target, double Score, double BaselineScore, IReadOnlyList<double> Attributions,
    int Steps, AttributionBaseline Baseline)
{
    public double Sum => Attributions.Sum();

    public double CompletenessError => Sum - (Score - BaselineScore);
}
