namespace BiDoRA.Engine.Evaluation;

/// <summary>
/// The least-squares line ΔM = k·ΔD + c through a set of points (x = ΔD, y = ΔM, the orientation of the DoRA and
/// BiDoRA figures, where BiDoRA reports k = −8.042 and DoRA k = −1.784) and their Pearson correlation.
/// </summary>
/// <param name="Scope">"all" for every point, otherwise a module kind such as attention.self.query.</param>
/// <param name="Count">Points fitted.</param>
/// <param name="Slope">k; NaN with fewer than two points or no spread in ΔD.</param>
/// <param name="Intercept">c.</param>
/// <param name="Correlation">Pearson r of ΔD and ΔM.</param>
/// <param name="Phase">The phase whose snapshots were fitted (train, search or retrain); null for every phase together.</param>
public sealed record WeightDecompositionFit(string Scope, int Count, double Slope, double Intercept, double Correlation, string? Phase = null)
{
    public const string All = "all";

    /// <summary>The module kind of the papers' figures (DoRA Fig. 2, BiDoRA's "wda_query"): the query projections.</summary>
    public const string Query = "attention.self.query";

    public static WeightDecompositionFit Of(string scope, IReadOnlyList<WeightDecompositionPoint> points, string? phase = null)
    {
        var fit = LinearFit.Of(points.Select(p => p.DeltaD).ToList(), points.Select(p => p.DeltaM).ToList());
        return new WeightDecompositionFit(scope, fit.Count, fit.Slope, fit.Intercept, fit.Correlation, phase);
    }
}
