using System.Text.Json.Serialization;
using BiDoRA.Engine.Training;

namespace BiDoRA.Engine.Evaluation;

/// <summary>The weight-decomposition analysis of one run: one point per adapted matrix per snapshot, and the fitted slopes.</summary>
/// <param name="Method">The run's method.</param>
/// <param name="BaseModelFolder">Where W0 was read from.</param>
/// <param name="Steps">The snapshot steps, ascending.</param>
/// <param name="Modules">The analysed matrices, in model order.</param>
/// <param name="Points">Ordered by step, then module.</param>
/// <param name="Fits">"all" first, then one per module kind.</param>
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
}
