using BiDoRA.Engine.Data;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Training;

namespace BiDoRA.Engine.Evaluation;

/// <summary>
/// Compares run folders: every metric as mean ± sample standard deviation per group, parameter counts and
/// training time, and a Wilcoxon signed-rank test of group B against group A, paired by seed, or by (seed, fold)
/// in a cross-validated sweep.
/// </summary>
public static class RunComparison
{
    /// <summary>The group of a run whose folder could not be read and whose caller named no group; never compared.</summary>
    public const string Unreadable = "(unreadable)";

    /// <exception cref="ArgumentException">A, B or the metric names nothing in the runs (ParamName says which option).</exception>
    public static ComparisonResult Compare(IEnumerable<ComparedRun> runs, ComparisonOptions? options = null)
    {
        options ??= new ComparisonOptions();
        var warnings = new List<string>();
        var loaded = new List<(ComparedRun Run, RunResults? Results, string? Error)>();
        foreach (var run in runs)
        {
            try
            {
                loaded.Add((run, System.IO.Directory.Exists(run.Directory) && File.Exists(Path.Combine(run.Directory, RunFolder.RunFile)) ? RunResults.Read(run.Directory) : null, run.Error));
            }
            catch (InvalidDataException e)
            {
                loaded.Add((run, null, e.Message));
                warnings.Add($"Run {run.Id}: {e.Message}");
            }
        }

        var tasks = loaded.Where(l => l.Results is not null).Select(l => l.Results!.Task).Distinct().ToList();
        if (tasks.Count > 1) warnings.Add($"The runs mix tasks ({string.Join(", ", tasks)}); their metrics are not comparable.");
        TaskKind? task = tasks.Count > 0 ? tasks[0] : null;
        var completed = loaded.Where(l => l.Results is { Completed: true }).Select(l => l.Results!).ToList();
        var split = completed.Count > 0 && completed.Any(r => r.Test.Count == 0) ? "validation" : "test";
        if (split == "validation") warnings.Add("Some runs have no test split; the best validation metrics are compared.");
        IReadOnlyDictionary<string, double> MetricsOf(RunResults r) => split == "test" ? r.Test : r.ValidationBest;

        var rows = loaded.Select(l => Row(l.Run, l.Results, l.Error, MetricsOf)).ToList();
        var metrics = MetricCatalog.Sort(rows.SelectMany(r => r.Metrics.Keys));
        var primary = options.Metric ?? MetricCatalog.Headline(task);
        if (options.Metric is { } requested && !metrics.Contains(requested) && completed.Count > 0)
        {
            throw new ArgumentException($"No compared run reports the metric '{requested}'; they report {string.Join(", ", metrics)}.", "metric");
        }

        var groups = rows.Where(r => r.Group != Unreadable).GroupBy(r => r.Group, StringComparer.Ordinal)
            .OrderBy(g => g.First().Method is { } m ? (int)m : int.MaxValue)
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Summarise(g.Key, g.ToList(), metrics))
            .ToList();

        PairedComparison? comparison = null;
        var names = groups.Select(g => g.Group).ToList();
        foreach (var (value, field) in new[] { (options.A, "a"), (options.B, "b") })
        {
            if (value is not null && !names.Contains(value))
                throw new ArgumentException($"No compared run belongs to '{value}'; the groups are {string.Join(", ", names)}.", field);
        }
        if (options.A is not null && options.A == options.B) throw new ArgumentException("A and B must be different groups.", "b");
        if (names.Count >= 2 || options.A is not null && options.B is not null)
        {
            var (a, b) = DefaultPair(names, options.A, options.B);
            comparison = Pair(rows, a, b, [primary, .. metrics.Where(m => m != primary)], options, warnings);
        }
        return new ComparisonResult(task, split, metrics, primary, rows, groups, comparison, warnings);
    }

    private static ComparedRunRow Row(ComparedRun run, RunResults? results, string? error, Func<RunResults, IReadOnlyDictionary<string, double>> metricsOf)
    {
        var group = run.Group ?? results?.Method.ToString().ToLowerInvariant() ?? Unreadable;
        if (results is null)
        {
            return new ComparedRunRow(run.Id, run.Name, group, null, null, false, run.Status ?? "missing", new Dictionary<string, double>(), null, null, null, null, error, run.Fold);
        }
        var done = results.Completed;
        return new ComparedRunRow(run.Id, run.Name, group, results.Method, results.Seed, done, run.Status ?? results.Status,
            done ? metricsOf(results) : new Dictionary<string, double>(), results.TrainableParameters, results.PaperParameterCount,
            results.DurationSeconds, results.Steps, error, results.Plan.Fold);
    }

    private static GroupSummary Summarise(string group, List<ComparedRunRow> rows, IReadOnlyList<string> metrics)
    {
        var done = rows.Where(r => r.Completed).ToList();
        var methods = rows.Select(r => r.Method).Where(m => m is not null).Distinct().ToList();
        return new GroupSummary(
            group,
            methods.Count == 1 ? methods[0] : null,
            rows.Count,
            done.Count,
            done.Where(r => r.Seed is not null).Select(r => r.Seed!.Value).Distinct().Order().ToList(),
            metrics.ToDictionary(m => m, m => SampleSummary.Of(done.Select(r => r.Metrics.GetValueOrDefault(m, double.NaN)))),
            SampleSummary.Of(done.Where(r => r.TrainableParameters is not null).Select(r => (double)r.TrainableParameters!.Value)),
            SampleSummary.Of(done.Where(r => r.PaperParameterCount is not null).Select(r => (double)r.PaperParameterCount!.Value)),
            SampleSummary.Of(done.Where(r => r.DurationSeconds is not null).Select(r => r.DurationSeconds!.Value)));
    }

    private static (string A, string B) DefaultPair(IReadOnlyList<string> groups, string? a, string? b)
    {
        const string Dora = "dora", BiDora = "bidora";
        if (a is null && b is null && groups.Contains(Dora) && groups.Contains(BiDora)) return (Dora, BiDora);
        a ??= groups.First(g => g != b);
        b ??= groups.First(g => g != a);
        return (a, b);
    }

    private static PairedComparison Pair(IReadOnlyList<ComparedRunRow> rows, string a, string b, IReadOnlyList<string> metrics, ComparisonOptions options, List<string> warnings)
    {
        // One run per group and (seed, fold): when a pair was run twice, the later row (the caller's order) wins.
        Dictionary<PairKey, ComparedRunRow> ByPair(string group) => rows
            .Where(r => r.Group == group && r.Completed && r.Seed is not null)
            .GroupBy(r => new PairKey(r.Seed!.Value, r.Fold))
            .ToDictionary(g => g.Key, g => g.Last());
        var left = ByPair(a);
        var right = ByPair(b);
        var keys = left.Keys.Intersect(right.Keys).Order().ToList();
        var unpairedKeys = left.Keys.Union(right.Keys).Except(keys).Order().ToList();
        var seeds = keys.Select(k => k.Seed).Distinct().ToList();
        var unpaired = unpairedKeys.Select(k => k.Seed).Distinct().ToList();
        if (unpairedKeys.Count > 0)
        {
            warnings.Add(unpairedKeys.Any(k => k.Fold is not null)
                ? $"{string.Join(", ", unpairedKeys)} were completed by only one of {a} and {b} and are left out of the test."
                : $"Seeds {string.Join(", ", unpaired)} were completed by only one of {a} and {b} and are left out of the test.");
        }

        var tests = new List<MetricTest>();
        foreach (var metric in metrics)
        {
            // Pairs where either side is undefined (NaN) cannot be ranked.
            var pairs = keys
                .Select(s => (Key: s, A: left[s].Metrics.GetValueOrDefault(metric, double.NaN), B: right[s].Metrics.GetValueOrDefault(metric, double.NaN)))
                .Where(p => double.IsFinite(p.A) && double.IsFinite(p.B))
                .ToList();
            var aValues = pairs.Select(p => p.A).ToList();
            var bValues = pairs.Select(p => p.B).ToList();
            WilcoxonResult? result = pairs.Count == 0
                ? null
                : WilcoxonSignedRank.Test(bValues, aValues, options.Alternative, options.ZeroMethod, options.PValueMethod, options.ContinuityCorrection);
            tests.Add(new MetricTest(metric, MetricCatalog.HigherIsBetter(metric), aValues, bValues,
                pairs.Count == 0 ? null : pairs.Average(p => p.B - p.A), result) { Pairs = pairs.Select(p => p.Key.ToString()).ToList() });
        }
        return new PairedComparison(a, b, options.Alternative, seeds, unpaired, tests) { Pairs = keys.Select(k => k.ToString()).ToList() };
    }

    /// <summary>What pairs two runs: the same seed and, in a cross-validated sweep, the same test fold.</summary>
    private sealed record PairKey(int Seed, int? Fold) : IComparable<PairKey>
    {
        public int CompareTo(PairKey? other) => other is null ? 1 : Seed != other.Seed ? Seed.CompareTo(other.Seed) : (Fold ?? 0).CompareTo(other.Fold ?? 0);

        public override string ToString() => Fold is { } f ? $"seed {Seed} fold {f}" : $"seed {Seed}";
    }
}
