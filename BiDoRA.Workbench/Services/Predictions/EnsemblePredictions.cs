using BiDoRA.Engine.Data;

namespace BiDoRA.Workbench.Services.Predictions;

/// <summary>Predictions of a sweep's finished runs of one method used together, in the order the sequences were given.</summary>
/// <param name="SweepId">The sweep.</param>
/// <param name="Method">The method whose runs voted.</param>
/// <param name="Task">Their task.</param>
/// <param name="ClassNames">Their classes; null for regression.</param>
/// <param name="Members">The member runs' ids.</param>
/// <param name="Predictions">One row per sequence.</param>
public sealed record EnsemblePredictions(string SweepId, string Method, TaskKind Task, IReadOnlyList<string>? ClassNames, IReadOnlyList<string> Members,
    IReadOnlyList<EnsembleRow> Predictions);

/// <summary>One sequence: the members' mean and sample sd (class probability or value), and their agreement.</summary>
/// <param name="Agreement">Share of members that chose <paramref name="Label"/>; null for regression.</param>
public sealed record EnsembleRow(string Id, string Sequence, string? Label, double? Value, double? ValueSd,
    IReadOnlyDictionary<string, double>? Probabilities, IReadOnlyDictionary<string, double>? ProbabilitySd, double? Agreement, int Members);
