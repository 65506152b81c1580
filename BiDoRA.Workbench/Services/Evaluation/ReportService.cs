using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Events;
using BiDoRA.Workbench.Services.Reports;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Services.Sweeps;

namespace BiDoRA.Workbench.Services.Evaluation;

/// <summary>Builds the downloadable HTML reports of runs and sweeps from the stores, the events and the run folders.</summary>
internal sealed class ReportService(IRunStore runs, SweepService sweeps, IRunEventStore events, RunEventHub hub, EvaluationService evaluation, WorkbenchPaths paths, ILogger<ReportService> logger)
{
    /// <summary>The run's report; null when there is no such run.</summary>
    public async Task<string?> RunReportAsync(string runId, CancellationToken cancellationToken)
    {
        var run = runs.Get(runId);
        if (run is null) return null;
        await hub.FlushAsync(cancellationToken).ConfigureAwait(false);
        var folder = paths.RunFolder(runId);
        RunResults? results = null;
        try
        {
            if (File.Exists(Path.Combine(folder, RunFolder.RunFile))) results = RunResults.Read(folder);
        }
        catch (InvalidDataException e)
        {
            logger.LogWarning("Report of run {RunId}: {Message}", runId, e.Message);
        }
        var stored = events.Read(runId, 0).Select(e => e.Event).ToList();
        var (analysis, analysisError) = await AnalysisAsync(runId, cancellationToken).ConfigureAwait(false);
        return HtmlReport.ForRun(new RunReportData
        {
            Title = run.Name,
            RunId = run.Id,
            Status = EvaluationService.StatusName(run.Status),
            Plan = run.Plan,
            Results = results,
            Error = run.Error,
            Steps = stored.OfType<StepCompleted>().ToList(),
            Evaluations = stored.OfType<Evaluated>().ToList(),
            Analysis = analysis,
            AnalysisError = analysisError,
            Predictions = results is null ? null : PredictionTable.Read(folder, results.Task, results.ClassNames),
        });
    }

    /// <summary>The sweep's report; null when there is no such sweep.</summary>
    public async Task<string?> SweepReportAsync(string sweepId, ComparisonOptions options, CancellationToken cancellationToken)
    {
        var details = sweeps.Get(sweepId);
        if (details is null) return null;
        var runIds = details.Runs.Select(r => r.RunId).ToList();
        return await ComparisonReportAsync(details.Name, details.Id, details.Status.ToString().ToLowerInvariant(), runIds, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The same report for hand-picked runs, grouped by method as a sweep's are.</summary>
    /// <exception cref="KeyNotFoundException">A run id is unknown (the message names it).</exception>
    /// <exception cref="ArgumentException">An option names no group or metric (ParamName: a, b or metric).</exception>
    public async Task<string> RunsReportAsync(IReadOnlyList<string> runIds, ComparisonOptions options, CancellationToken cancellationToken)
    {
        evaluation.RequireRuns(runIds);
        var title = $"{runIds.Distinct(StringComparer.Ordinal).Count()} chosen runs";
        return await ComparisonReportAsync(title, null, null, runIds, options, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> ComparisonReportAsync(
        string title, string? sweepId, string? status, IReadOnlyList<string> runIds, ComparisonOptions options, CancellationToken cancellationToken)
    {
        var compared = evaluation.ComparedRuns(runIds);
        var comparison = RunComparison.Compare(compared, options);
        var slopes = new Dictionary<string, WeightDecompositionFit>();
        foreach (var row in comparison.Runs.Where(r => r.Completed))
        {
            var (analysis, _) = await AnalysisAsync(row.Id, cancellationToken).ConfigureAwait(false);
            if (analysis is { Points.Count: > 0 }) slopes[row.Id] = analysis.Headline;
        }
        return HtmlReport.ForComparison(new ComparisonReportData
        {
            Title = title,
            SweepId = sweepId,
            Status = status,
            SharedPlan = runIds.Select(id => runs.Get(id)?.Plan).FirstOrDefault(p => p is not null),
            Comparison = comparison,
            PairTests = PairTests(compared, comparison, options),
            Slopes = slopes,
            Calibration = EnsembleCalibration.Of(comparison, compared),
        });
    }

    /// <summary>The headline metric tested for every pair of groups, in group order.</summary>
    internal static IReadOnlyList<PairedComparison> PairTests(IReadOnlyList<ComparedRun> compared, ComparisonResult comparison, ComparisonOptions options)
    {
        var groups = comparison.Groups.Select(g => g.Group).ToList();
        var pairs = new List<PairedComparison>();
        for (var i = 0; i < groups.Count; i++)
        {
            for (var j = i + 1; j < groups.Count; j++)
            {
                var result = RunComparison.Compare(compared, options with { A = groups[i], B = groups[j], Metric = comparison.PrimaryMetric });
                if (result.Comparison is { } paired) pairs.Add(paired with { Tests = paired.Tests.Take(1).ToList() });
            }
        }
        return pairs;
    }

    private async Task<(WeightDecompositionResult? Analysis, string? Error)> AnalysisAsync(string runId, CancellationToken cancellationToken)
    {
        try
        {
            return (await evaluation.AnalyzeAsync(runId, cancellationToken).ConfigureAwait(false), null);
        }
        catch (InvalidDataException e)
        {
            logger.LogWarning("Analysis of run {RunId}: {Message}", runId, e.Message);
            return (null, e.Message);
        }
    }
}
