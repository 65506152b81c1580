using BiDoRA.Engine.Data;

namespace BiDoRA.Engine.Prediction;

/// <summary>
/// Several trained runs of one method (a sweep's seeds and folds) used together: each member predicts on its own,
/// one member in memory at a time, and the ensemble reports the mean, the spread and how far the members agree.
/// </summary>
public static class Ensemble
{
    /// <summary>Loads each run in turn, predicts, unloads it, then combines.</summary>
    /// <exception cref="InvalidDataException">No run given, a run is not finished, or the runs disagree on task or classes.</exception>
    public static EnsembleResult Predict(IReadOnlyList<string> runDirectories, IReadOnlyList<string> sequences, string? modelsDirectory = null,
        string device = "auto", int batchSize = 32, IProgress<int>? membersDone = null, CancellationToken cancellationToken = default)
    {
        if (runDirectories.Count == 0) throw new InvalidDataException("An ensemble needs at least one finished run.");
        var members = new List<IReadOnlyList<SequencePrediction>>();
        TaskKind? task = null;
        IReadOnlyList<string>? classes = null;
        foreach (var directory in runDirectories)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var predictor = Predictor.Load(directory, modelsDirectory, device);
            if (task is null) (task, classes) = (predictor.Task, predictor.ClassNames);
            else if (predictor.Task != task || !(classes ?? []).SequenceEqual(predictor.ClassNames ?? []))
                throw new InvalidDataException($"{directory} predicts {predictor.Task} ({string.Join(", ", predictor.ClassNames ?? [])}) but the first member {task} ({string.Join(", ", classes ?? [])}); an ensemble needs one task.");
            members.Add(predictor.Predict(sequences, batchSize, cancellationToken));
            membersDone?.Report(members.Count);
        }
        return new EnsembleResult(task!.Value, classes, runDirectories, Combine(members, task.Value, classes));
    }

    /// <summary>Combines the members' predictions (same sequences, same order) into one per sequence.</summary>
    public static IReadOnlyList<EnsemblePrediction> Combine(IReadOnlyList<IReadOnlyList<SequencePrediction>> members, TaskKind task, IReadOnlyList<string>? classNames)
    {
        if (members.Count == 0) return [];
        var count = members[0].Count;
        if (members.Any(m => m.Count != count)) throw new ArgumentException("Every member must predict the same sequences.", nameof(members));
        var combined = new EnsemblePrediction[count];
        for (var i = 0; i < count; i++)
        {
            var votes = members.Select(m => m[i]).ToList();
            if (task == TaskKind.Regression)
            {
                var values = votes.Select(v => v.Value ?? double.NaN).ToList();
                combined[i] = new EnsemblePrediction(votes[0].Sequence, null, values.Average(), Sd(values), null, null, null, members.Count);
                continue;
            }
            var classes = votes[0].Probabilities!.Count;
            var mean = Enumerable.Range(0, classes).Select(c => votes.Average(v => v.Probabilities![c])).ToList();
            var sd = Enumerable.Range(0, classes).Select(c => Sd(votes.Select(v => v.Probabilities![c]).ToList())).ToList();
            var best = mean.IndexOf(mean.Max());
            var label = classNames is not null && best < classNames.Count ? classNames[best] : best.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var agreement = votes.Count(v => v.Label == label) / (double)votes.Count;
            combined[i] = new EnsemblePrediction(votes[0].Sequence, label, null, null, mean, sd, agreement, members.Count);
        }
        return combined;
    }

    /// <summary>Sample standard deviation (n − 1); 0 for a single value.</summary>
    private static double Sd(IReadOnlyList<double> values)
    {
        if (values.Count < 2) return 0;
        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }
}

/// <summary>An ensemble's predictions.</summary>
/// <param name="Task">The members' task.</param>
/// <param name="ClassNames">Their classes (index = class id); null for regression.</param>
/// <param name="Members">The member run folders.</param>
/// <param name="Predictions">One per sequence, in order.</param>
public sealed record EnsembleResult(TaskKind Task, IReadOnlyList<string>? ClassNames, IReadOnlyList<string> Members, IReadOnlyList<EnsemblePrediction> Predictions);
