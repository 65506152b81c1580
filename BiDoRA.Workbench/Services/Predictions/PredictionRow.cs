namespace BiDoRA.Workbench.Services.Predictions;

/// <summary>The prediction for one sequence.</summary>
/// <param name="Sequence">Normalised (upper case, no white space).</param>
/// <param name="Label">Predicted class (classification); null for regression.</param>
/// <param name="Value">Predicted value in the data's units (regression); null for classification.</param>
/// <param name="Probabilities">Class name → probability (classification), in class order.</param>
/// <param name="Truncated">Longer than 1022 residues: the prediction saw the first 1022.</param>
public sealed record PredictionRow(string Id, string Sequence, string? Label, double? Value, IReadOnlyDictionary<string, double>? Probabilities, bool Truncated);
