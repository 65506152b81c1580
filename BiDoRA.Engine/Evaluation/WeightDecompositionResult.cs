using System.Text.Json.Serialization;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Training;

namespace BiDoRA.Engine.Evaluation;

/// <summary>The weight-decomposition analysis of one run: one point per adapted matrix per snapshot, and the fitted slopes.</summary>
/// <param name="Method">The run's method.</param>
/// <param name="BaseModelFolder">Where W0 was read from.</param>
/// <param name="Steps">The snapshot steps, ascending.</param>
/// <param name="Modules">The analysed matrices, in model order.</param>
/// <param name="Points">Ordered by step, then module.</param>
/// <param name="Fits">
/// "all" first (every point of every phase), then one per module kind over every phase, then per phase: "all" and
/// one per module kind of that phase. Phases are fitted separately because BiDoRA's retraining holds m fixed
/// while the direction restarts, which is a different process from the search.
/// </param>
public sealed record WeightDecompositionResult(
    AdapterMethod Method,
    string BaseModelFolder,
    IReadOnlyList<int> Steps,
    IReadOnlyList<string> Modules,
    IReadOnlyList<WeightDecompositionPoint> Points,
    IReadOnlyList<WeightDecompositionFit> Fits)
{
    /// <summary>The fit over every point.</summary>
    [JsonIgnore]
    public WeightDecompositionFit Overall => Fits.First(f => f.Scope == WeightDecompositionFit.All);

    /// <summary>
    /// The slope the papers report: query matrices alone, in the phase where direction and magnitude move together
    /// (train; BiDoRA's search). Falls back to all matrices of that phase when no query matrix was adapted, and to
    /// <see cref="Overall"/> when the phase has no points.
    /// </summary>
    public WeightDecompositionFit Headline =>
        Fits.FirstOrDefault(f => f.Phase == HeadlinePhase && f.Scope == WeightDecompositionFit.Query && f.Count > 0)
        ?? Fits.FirstOrDefault(f => f.Phase == HeadlinePhase && f.Scope == WeightDecompositionFit.All && f.Count > 0)
        ?? Overall;

    /// <summary>The phase of <see cref="Headline"/>: search for BiDoRA, train for the single-level methods.</summary>
    [JsonIgnore]
    public string HeadlinePhase => Method == AdapterMethod.BiDora ? "search" : "train";
}
