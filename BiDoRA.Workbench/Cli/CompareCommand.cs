using System.CommandLine;
using System.Text.Json;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services;
using BiDoRA.Workbench.Services.Evaluation;
using BiDoRA.Workbench.Services.Reports;

namespace BiDoRA.Workbench.Cli;

/// <summary>
/// <c>compare</c>: a sweep folder (or chosen run folders) side by side as JSON on stdout, the same comparison the
/// workbench's compare endpoint returns, with each group's ΔM–ΔD slope k and r; optionally the HTML report. Several
/// <c>--sweep</c> folders (e.g. BBP, thermostability and MIC) are compared one by one and pooled into one test
/// paired by (sweep, seed, fold). Exit 0, or 2 for bad input.
/// </summary>
internal static class CompareCommand
{
    internal static JsonSerializerOptions Json { get; } = new(WorkbenchJson.Options) { WriteIndented = true };

    public static Command Create()
    {
        var sweep = new Option<DirectoryInfo[]>("--sweep") { Description = "A sweep folder written by the sweep command; repeat it to pool several sweeps (tasks) into one test." };
        var runs = new Option<DirectoryInfo[]>("--runs") { Description = "Run folders to compare instead of a sweep (grouped by method).", AllowMultipleArgumentsPerToken = true };
        var a = new Option<string?>("--a") { Description = "Baseline group (default: dora when dora and bidora are both there, else the first)." };
        var b = new Option<string?>("--b") { Description = "Group tested against the baseline; differences are b − a (default: bidora, else the second)." };
        var metric = new Option<string?>("--metric") { Description = "Headline metric (default: accuracy, or mse for regression)." };
        var alternative = new Option<string>("--alternative") { Description = "two-sided, greater (b scores higher) or less.", DefaultValueFactory = _ => "two-sided" };
        alternative.AcceptOnlyFromAmong("two-sided", "greater", "less");
        var zeroMethod = new Option<string>("--zero-method") { Description = "Zero differences: wilcox (drop them) or pratt.", DefaultValueFactory = _ => "wilcox" };
        zeroMethod.AcceptOnlyFromAmong("wilcox", "pratt");
        var pValue = new Option<string>("--p-value") { Description = "auto (exact up to 25 pairs), exact or normal.", DefaultValueFactory = _ => "auto" };
        pValue.AcceptOnlyFromAmong("auto", "exact", "normal");
        var noCorrection = new Option<bool>("--no-correction") { Description = "No continuity correction in the normal approximation." };
        var report = new Option<FileInfo?>("--report") { Description = "Also write the self-contained HTML report to this file." };
        var command = new Command("compare", "Compare a sweep's methods (mean ± sd, #Params, time) with a Wilcoxon signed-rank test paired by seed.")
        {
            sweep, runs, a, b, metric, alternative, zeroMethod, pValue, noCorrection, report,
        };
        command.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var sweepFolders = parse.GetValue(sweep) ?? [];
            var runFolders = parse.GetValue(runs) ?? [];
            if ((sweepFolders.Length == 0) == (runFolders.Length == 0))
            {
                await stderr.WriteLineAsync("error: give either --sweep DIR [--sweep DIR ...] or --runs DIR [DIR ...].");
                return 2;
            }
            var sweepFolder = sweepFolders.FirstOrDefault();
            SweepPlan? plan = null;
            IReadOnlyList<ComparedRun> compared;
            try
            {
                if (sweepFolder is not null)
                {
                    plan = SweepPlan.Read(sweepFolder.FullName);
                    compared = RunsOf(plan);
                }
                else
                {
                    var missing = runFolders.FirstOrDefault(f => !File.Exists(Path.Combine(f.FullName, RunFolder.RunFile)));
                    if (missing is not null) throw new InvalidDataException($"{Path.Combine(missing.FullName, RunFolder.RunFile)} does not exist: not a run folder.");
                    compared = runFolders.Select(f => new ComparedRun(f.Name, f.Name, f.FullName)).ToList();
                }
            }
            catch (InvalidDataException e)
            {
                await stderr.WriteLineAsync("error: " + e.Message);
                return 2;
            }

            var options = new ComparisonOptions
            {
                A = parse.GetValue(a)?.ToLowerInvariant(),
                B = parse.GetValue(b)?.ToLowerInvariant(),
                Metric = parse.GetValue(metric)?.ToLowerInvariant(),
                Alternative = parse.GetValue(alternative) switch { "greater" => TestAlternative.Greater, "less" => TestAlternative.Less, _ => TestAlternative.TwoSided },
                ZeroMethod = parse.GetValue(zeroMethod) == "pratt" ? ZeroDifferenceMethod.Pratt : ZeroDifferenceMethod.Wilcox,
                PValueMethod = parse.GetValue(pValue) switch { "exact" => PValueMethod.Exact, "normal" => PValueMethod.Normal, _ => PValueMethod.Auto },
                ContinuityCorrection = !parse.GetValue(noCorrection),
            };
            if (sweepFolders.Length > 1) return await Pooled(sweepFolders, options, parse.GetValue(report), stdout, stderr, ct);
            ComparisonResult result;
            try
            {
                result = RunComparison.Compare(compared, options);
            }
            catch (ArgumentException e)
            {
                await stderr.WriteLineAsync($"error: --{e.ParamName}: {Api.SweepsApi.WithoutParameter(e)}");
                return 2;
            }
            foreach (var warning in result.Warnings) await stderr.WriteLineAsync("warning: " + warning);

            var analyses = await AnalyseAsync(result, compared, stderr, ct);
            if (parse.GetValue(report) is { } reportFile)
            {
                var slopes = analyses.Where(a => a.Value is { Points.Count: > 0 }).ToDictionary(a => a.Key, a => a.Value!.Headline);
                var html = HtmlReport.ForComparison(new ComparisonReportData
                {
                    Title = plan?.Name is { Length: > 0 } name ? name : "Comparison",
                    SharedPlan = plan?.Template ?? (compared.Count > 0 && result.Runs[0].Method is not null ? RunFolder.ReadPlan(compared[0].Directory) : null),
                    Comparison = result,
                    PairTests = ReportService.PairTests(compared, result, options),
                    Slopes = slopes,
                    Calibration = EnsembleCalibration.Of(result, compared),
                });
                Directory.CreateDirectory(Path.GetDirectoryName(reportFile.FullName)!);
                await File.WriteAllTextAsync(reportFile.FullName, html, ct);
                await stderr.WriteLineAsync($"Report written to {reportFile.FullName}.");
            }
            var output = JsonSerializer.SerializeToNode(result, Json)!.AsObject();
            output["decomposition"] = JsonSerializer.SerializeToNode(GroupDecomposition.Of(result, r => analyses.GetValueOrDefault(r.Id)), Json);
            await stdout.WriteLineAsync(output.ToJsonString(Json));
            return 0;
        });
        return command;
    }

    /// <summary>Each sweep compared on its own, then pooled: JSON { tasks: [...], pooled: {...} }.</summary>
    private static async Task<int> Pooled(DirectoryInfo[] folders, ComparisonOptions options, FileInfo? report, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var tasks = new List<(string Name, ComparisonResult Result)>();
        var entries = new System.Text.Json.Nodes.JsonArray();
        foreach (var folder in folders)
        {
            SweepPlan plan;
            try
            {
                plan = SweepPlan.Read(folder.FullName);
            }
            catch (InvalidDataException e)
            {
                await stderr.WriteLineAsync("error: " + e.Message);
                return 2;
            }
            var name = plan.Name is { Length: > 0 } n ? n : folder.Name;
            if (tasks.Any(t => t.Name == name)) name = folder.FullName;
            var compared = RunsOf(plan);
            ComparisonResult result;
            try
            {
                // Each sweep on its own headline metric: pooling a fixed metric over tasks of different kinds would not make sense.
                result = RunComparison.Compare(compared, options with { Metric = null });
            }
            catch (ArgumentException e)
            {
                await stderr.WriteLineAsync($"error: {name}: --{e.ParamName}: {Api.SweepsApi.WithoutParameter(e)}");
                return 2;
            }
            foreach (var warning in result.Warnings) await stderr.WriteLineAsync($"warning: {name}: {warning}");
            var analyses = await AnalyseAsync(result, compared, stderr, ct);
            var entry = JsonSerializer.SerializeToNode(result, Json)!.AsObject();
            entry["decomposition"] = JsonSerializer.SerializeToNode(GroupDecomposition.Of(result, r => analyses.GetValueOrDefault(r.Id)), Json);
            entries.Add(new System.Text.Json.Nodes.JsonObject { ["sweep"] = name, ["sweepDirectory"] = folder.FullName, ["comparison"] = entry });
            tasks.Add((name, result));
        }
        PooledComparisonResult pooled;
        try
        {
            pooled = PooledComparison.Pool(tasks, options);
        }
        catch (ArgumentException e)
        {
            await stderr.WriteLineAsync($"error: --{e.ParamName}: {Api.SweepsApi.WithoutParameter(e)}");
            return 2;
        }
        if (report is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(report.FullName)!);
            await File.WriteAllTextAsync(report.FullName, HtmlReport.ForPooled(pooled), ct);
            await stderr.WriteLineAsync($"Report written to {report.FullName}.");
        }
        var output = new System.Text.Json.Nodes.JsonObject { ["tasks"] = entries, ["pooled"] = JsonSerializer.SerializeToNode(pooled, Json) };
        await stdout.WriteLineAsync(output.ToJsonString(Json));
        return 0;
    }

    /// <summary>The ΔM–ΔD analysis of every completed run (null where it cannot be made; a warning says why).</summary>
    private static async Task<Dictionary<string, WeightDecompositionResult?>> AnalyseAsync(ComparisonResult result, IReadOnlyList<ComparedRun> compared, TextWriter stderr, CancellationToken ct)
    {
        var analyses = new Dictionary<string, WeightDecompositionResult?>();
        foreach (var row in result.Runs.Where(r => r.Completed))
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                analyses[row.Id] = WeightDecomposition.Analyze(compared.First(c => c.Id == row.Id).Directory, cancellationToken: ct);
            }
            catch (InvalidDataException e)
            {
                analyses[row.Id] = null;
                await stderr.WriteLineAsync($"warning: no ΔM–ΔD analysis for {row.Name}: {e.Message}");
            }
        }
        return analyses;
    }

    /// <summary>The runs of a sweep folder, in the sweep's order.</summary>
    internal static IReadOnlyList<ComparedRun> RunsOf(SweepPlan plan) =>
        plan.Runs().Select(r => new ComparedRun(r.Name, r.Name, r.Plan.OutputDirectory, r.Method.ToString().ToLowerInvariant(),
            File.Exists(Path.Combine(r.Plan.OutputDirectory, RunFolder.RunFile)) ? null : "not started", Fold: r.Fold)).ToList();
}
