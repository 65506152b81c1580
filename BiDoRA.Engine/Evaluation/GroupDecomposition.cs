namespace BiDoRA.Engine.Evaluation;

/// <summary>
/// A group's ΔM–ΔD slopes: each completed run's headline fit (query matrices, main phase; see
/// <see cref="WeightDecompositionResult.Headline"/>) and their mean ± sd, so that <c>compare</c>'s JSON carries k and r
/// per group and not only the HTML report.
/// </summary>
/// <param name="Group">The comparison group.</param>
/// <param name="Scope">The fitted matrices of the runs' headline fits (attention.self.query unless none was adapted).</param>
/// <param name="Phase">Their phase (train, or search for BiDoRA).</param>
/// <param name="Slope">k over the group's runs.</param>
/// <param name="Correlation">Pearson r over the group's runs.</param>
/// <param name="Runs">Each run's fit.</param>
public sealed record GroupDecomposition(string Group, string Scope, string? Phase, SampleSummary Slope, SampleSummary Correlation, IReadOnlyList<RunDecomposition> Runs)
{
    /// <summary>One entry per group with at least one analysed run, in the comparison's group order.</summary>
    /// <param name="comparison">The comparison whose completed runs are summarised.</param>
    /// <param name="analysisOf">The analysis of a run (by its id), or null when it has none or cannot be read.</param>
    public static IReadOnlyList<GroupDecomposition> Of(ComparisonResult comparison, Func<ComparedRunRow, WeightDecompositionResult?> analysisOf)
    {
        var groups = new List<GroupDecomposition>();
        foreach (var group in comparison.Groups)
        {
            var runs = new List<RunDecomposition>();
            foreach (var row in comparison.Runs.Where(r => r.Group == group.Group && r.Completed))
            {
                if (analysisOf(row) is not { Points.Count: > 0 } analysis) continue;
                var fit = analysis.Headline;
                runs.Add(new RunDecomposition(row.Id, fit.Scope, fit.Phase, fit.Count, fit.Slope, fit.Correlation));
            }
            if (runs.Count == 0) continue;
            groups.Add(new GroupDecomposition(group.Group, runs[0].Scope, runs[0].Phase,
                SampleSummary.Of(runs.Select(r => r.Slope)), SampleSummary.Of(runs.Select(r => r.Correlation)), runs));
        }
        return groups;
    }
}

/// <summary>One run's headline ΔM–ΔD fit.</summary>
public sealed record RunDecomposition(string Run, string Scope, string? Phase, int Points, double Slope, double Correlation);
