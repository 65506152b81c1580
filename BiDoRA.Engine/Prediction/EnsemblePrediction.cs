namespace BiDoRA.Engine.Prediction;

/// <summary>What the members of an ensemble (one method's runs over seeds and folds) say about one sequence.</summary>
/// <param name="Sequence">The sequence as given.</param>
/// <param name="Label">Classification: the class with the highest mean probability.</param>
/// <param name="Value">Regression: the members' mean value.</param>
/// <param name="ValueSd">Regression: the members' sample standard deviation (0 with one member).</param>
/// <param name="Probabilities">Classification: mean probability per class over the members.</param>
/// <param name="ProbabilitySd">Classification: sample standard deviation of each class probability over the members.</param>
/// <param name="Agreement">Classification: share of members whose own label is <see cref="Label"/>; null for regression.</param>
/// <param name="Members">How many runs voted.</param>
public sealed record EnsemblePrediction(
    string Sequence,
    string? Label,
    double? Value,
    double? ValueSd,
    IReadOnlyList<double>? Probabilities,
    IReadOnlyList<double>? ProbabilitySd,
    double? Agreement,
    int Members);
