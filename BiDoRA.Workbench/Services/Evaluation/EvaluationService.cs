using BiDoRA.Engine.Evaluation;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Services.Sweeps;

namespace BiDoRA.Workbench.Services.Evaluation;

/// <summary>
/// Comparisons (of a sweep or of chosen runs) and the weight-decomposition analysis of a run, over the runs'
/// folders. Runs are grouped by method; statuses come from the run store, which knows about queued and failed runs
/// that have no (or an unfinished) folder.
/// </summary>
internal sealed class EvaluationService(IRunStore runs, ISweepStore sweeps, WorkbenchPaths paths, ILogger<EvaluationService> logger)
{
    /// <summary>Most runs one ad-hoc comparison takes.</summary>
    public const int MaxComparedRuns = 500;

    /// <summary>The sweep's runs compared; null when there is no such sweep.</summary>
    /// <exception cref="ArgumentException">An option names no group or metric (ParamName: a, b or metric).</exception>
    public ComparisonResult? CompareSweep(string sweepId, ComparisonOptions options) =>
        sweeps.Get(sweepId) is { } sweep ? RunComparison.Compare(ComparedRuns(sweep.Runs.Select(r => r.RunId)), options) : null;

    /// <summary>Most sweeps one pooled comparison takes.</summary>
    public const int MaxPooledSweeps = 20;

    /// <summary>
    /// The sweeps compared one by one, each on its own headline metric, and pooled into one test paired by (sweep,
    /// seed, fold): the engine's pooled comparison, as <c>compare --sweep A --sweep B</c> runs it. Tasks are named
    /// after their sweeps (with the id when two share a name).
    /// </summary>
    /// <exception cref="KeyNotFoundException">A sweep id is unknown (the message names it).</exception>
    /// <exception cref="ArgumentException">A sweep lacks A or B, or the sweeps compare different groups.</exception>
    public (IReadOnlyList<(string Name, ComparisonResult Result)> Tasks, PooledComparisonResult Pooled) PoolSweeps(IReadOnlyList<string> sweepIds, ComparisonOptions options)
    {
        var chosen = sweepIds.Distinct(StringComparer.Ordinal)
            .Select(id => sweeps.Get(id) ?? throw new KeyNotFoundException($"No sweep has the id '{id}'."))
            .ToList();
        var named = chosen.Select(s => (Name: chosen.Count(o => o.Name == s.Name) > 1 ? $"{s.Name} ({s.Id})" : s.Name, Runs: ComparedRuns(s.Runs.Select(r => r.RunId))))
            .ToList();
        return PooledComparison.Compare(named, options);
    }

    /// <summary>The given runs compared.</summary>
    /// <exception cref="KeyNotFoundException">A run id is unknown (the message names it).</exception>
    /// <exception cref="ArgumentException">An option names no group or metric.</exception>
    public ComparisonResult CompareRuns(IReadOnlyList<string> runIds, ComparisonOptions options)
    {
        RequireRuns(runIds);
        return RunComparison.Compare(ComparedRuns(runIds), options);
    }

    /// <exception cref="KeyNotFoundException">A run id is unknown (the message names it).</exception>
    public void RequireRuns(IEnumerable<string> runIds)
    {
        foreach (var id in runIds)
        {
            if (runs.Get(id) is null) throw new KeyNotFoundException($"No run has the id '{id}'.");
        }
    }

    /// <summary>The sweep's runs as the comparison reads them.</summary>
    public IReadOnlyList<ComparedRun> ComparedRuns(IEnumerable<string> runIds) =>
        runIds.Distinct(StringComparer.Ordinal).Select(id =>
        {
            var run = runs.Get(id);
            if (run is null) return new ComparedRun(id, id, "", Status: "missing", Error: "The run record no longer exists.");
            return new ComparedRun(id, run.Name, paths.RunFolder(id), run.Plan.Method.ToString().ToLowerInvariant(),
                StatusName(run.Status), run.Error, run.Plan.Fold);
        }).ToList();

    /// <summary>
    /// The ΔM–ΔD analysis of a run's snapshots so far (empty before the first evaluation); null when there is no such run.
    /// Runs off the request thread: W0 of a large model takes a moment to read.
    /// </summary>
    /// <exception cref="InvalidDataException">The snapshots or the base model cannot be read (the message says which file).</exception>
    public async Task<WeightDecompositionResult?> AnalyzeAsync(string runId, CancellationToken cancellationToken)
    {
        var run = runs.Get(runId);
        if (run is null) return null;
        var folder = paths.RunFolder(runId);
        if (!File.Exists(Path.Combine(folder, Engine.RunFolders.RunFolder.RunFile)))
        {
            return new WeightDecompositionResult(run.Plan.Method, "", [], [], [], [WeightDecompositionFit.Of(WeightDecompositionFit.All, [])]);
        }
        var started = DateTimeOffset.UtcNow;
        var result = await Task.Run(() => WeightDecomposition.Analyze(folder, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
        logger.LogDebug("Analysed run {RunId}: {Points} points in {Seconds:F2} s", runId, result.Points.Count, (DateTimeOffset.UtcNow - started).TotalSeconds);
        return result;
    }

    internal static string StatusName(RunStatus status) => status.ToString().ToLowerInvariant();
}
