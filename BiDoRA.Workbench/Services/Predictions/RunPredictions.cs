using BiDoRA.Engine.Data;

namespace BiDoRA.Workbench.Services.Predictions;

/// <summary>Predictions of one trained run, in the order the sequences were given.</summary>
public sealed record RunPredictions(string RunId, string RunName, TaskKind Task, IReadOnlyList<string>? ClassNames, IReadOnlyList<PredictionRow> Predictions);
