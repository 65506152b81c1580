using BiDoRA.Engine.Data;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.RunFolders;

namespace BiDoRA.Workbench.Services.Reports;

/// <summary>
/// How well one method's ensemble (its completed runs of a sweep) is calibrated on test rows, beside its members.
/// Each test row is predicted by the mean class probabilities of the members that held it out, read from their
/// predictions.csv: on a fixed test split every member; in a cross-validated sweep (folds drawn per seed) the runs,
/// one per seed, whose test fold held the row, so no member ever trained on a row it scores. The rows are pooled
/// over folds and scored with the engine's <see cref="Calibration"/>, as each member's own test rows are.
/// </summary>
/// <param name="Group">The method (or group).</param>
/// <param name="Members">Completed runs whose test probabilities were read.</param>
/// <param name="Ensemble">The ensemble's reliability diagram and ECE over the pooled test rows.</param>
/// <param name="MemberEce">The members' own ECEs, each on its own test rows.</param>
/// <param name="MembersPerRow">Mean number of members that scored a row.</param>
/// <param name="CrossValidated">Whether the members were folds of a cross-validated sweep.</param>
internal sealed record EnsembleCalibration(string Group, int Members, CalibrationResult Ensemble, SampleSummary MemberEce, double MembersPerRow, bool CrossValidated)
{
    /// <summary>What the report says about how the ensemble was built.</summary>
    public string Construction => CrossValidated
        ? "Each test row is scored by the mean class probabilities of the method's runs whose test fold held it (one per seed), pooled over folds: no member scores a row it trained on."
        : "Each test row is scored by the mean class probabilities of all the method's runs, all scored on the same test split.";

    /// <summary>One per classification group with at least one completed run that wrote test probabilities; empty for regression.</summary>
    public static IReadOnlyList<EnsembleCalibration> Of(ComparisonResult comparison, IReadOnlyList<ComparedRun> compared)
    {
        if (comparison.Task is null or TaskKind.Regression) return [];
        var folders = compared.GroupBy(c => c.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Directory, StringComparer.Ordinal);
        var result = new List<EnsembleCalibration>();
        foreach (var group in comparison.Groups)
        {
            var members = new List<(IReadOnlyList<TestRow> Rows, CalibrationResult Own)>();
            IReadOnlyList<string>? classes = null;
            var crossValidated = false;
            foreach (var run in comparison.Runs.Where(r => r.Group == group.Group && r.Completed))
            {
                if (!folders.TryGetValue(run.Id, out var folder)) continue;
                IReadOnlyList<string>? names;
                try
                {
                    names = RunResults.Read(folder).ClassNames;
                }
                catch (Exception e) when (e is InvalidDataException or IOException)
                {
                    continue;
                }
                if (names is not { Count: > 1 } || (classes is not null && !classes.SequenceEqual(names))) continue;
                if (Read(folder, names) is not { Count: > 0 } rows) continue;
                classes ??= names;
                crossValidated |= run.Fold is not null;
                members.Add((rows, Calibration.Of(rows.Select(r => r.Label).ToList(), rows.Select(r => r.Probabilities).ToList())));
            }
            if (members.Count == 0) continue;
            var pooled = members.SelectMany(m => m.Rows).GroupBy(r => (r.Id, r.Sequence)).ToList();
            var labels = pooled.Select(g => g.First().Label).ToList();
            var means = pooled.Select(g => (IReadOnlyList<double>)Enumerable.Range(0, classes!.Count).Select(c => g.Average(r => r.Probabilities[c])).ToList()).ToList();
            result.Add(new EnsembleCalibration(group.Group, members.Count, Calibration.Of(labels, means),
                SampleSummary.Of(members.Select(m => m.Own.ExpectedCalibrationError)), pooled.Average(g => g.Count()), crossValidated));
        }
        return result;
    }

    /// <summary>One test row of a member's predictions.csv: the true class and the predicted probability of each class.</summary>
    internal sealed record TestRow(string Id, string Sequence, int Label, IReadOnlyList<double> Probabilities);

    /// <summary>The rows of predictions.csv with a known label and finite probabilities for every class; null when unreadable.</summary>
    internal static IReadOnlyList<TestRow>? Read(string runDirectory, IReadOnlyList<string> classNames)
    {
        if (TestPredictionsFile.Read(runDirectory, classNames) is not { } rows || rows.Any(r => r.Probabilities is null)) return null;
        var names = classNames.ToList();
        return rows.Select(r => new TestRow(r.Id, r.Sequence, names.IndexOf(r.Label), r.Probabilities!))
            .Where(r => r.Label >= 0 && r.Probabilities.All(double.IsFinite))
            .ToList();
    }
}
