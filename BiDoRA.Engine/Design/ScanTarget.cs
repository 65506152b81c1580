using BiDoRA.Engine.Data;
using BiDoRA.Engine.Prediction;

namespace BiDoRA.Engine.Design;

/// <summary>
/// The number a scan or design round moves: a class's probability (classification) or the predicted value in the
/// data's units (regression). For classification the default class is the last one (the positive class of a binary task).
/// </summary>
public sealed record ScanTarget(TaskKind Task, int ClassIndex, string Description)
{
    /// <exception cref="ArgumentException">A class that the run does not have.</exception>
    public static ScanTarget For(Predictor predictor, string? className = null)
    {
        if (predictor.Task == TaskKind.Regression) return new ScanTarget(TaskKind.Regression, 0, "predicted value");
        var classes = predictor.ClassNames ?? [];
        var index = (predictor.ClassNames?.Count ?? 2) - 1;
        if (!string.IsNullOrWhiteSpace(className))
        {
            index = classes.Count == 0 && int.TryParse(className, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i
                : classes.ToList().FindIndex(c => c.Equals(className.Trim(), StringComparison.OrdinalIgnoreCase));
            if (index < 0) throw new ArgumentException($"The run has no class '{className}'; its classes are {string.Join(", ", classes)}.");
        }
        return new ScanTarget(predictor.Task, Math.Max(0, index), $"p({(index >= 0 && index < classes.Count ? classes[index] : "class " + index)})");
    }

    /// <summary>The target's number in a prediction.</summary>
    public double Of(SequencePrediction prediction) =>
        Task == TaskKind.Regression ? prediction.Value!.Value : prediction.Probabilities![ClassIndex];
}
