namespace BiDoRA.Engine.Prediction;

/// <summary>A prediction for one sequence.</summary>
/// <param name="Sequence">The sequence as given.</param>
/// <param name="Label">Predicted class name (classification) or null.</param>
/// <param name="Value">Predicted value in the data's units (regression) or null.</param>
/// <param name="Probabilities">Probability per class, in the order of <see cref="Predictor.ClassNames"/>.</param>
public sealed record SequencePrediction(string Sequence, string? Label, double? Value, IReadOnlyList<double>? Probabilities);
