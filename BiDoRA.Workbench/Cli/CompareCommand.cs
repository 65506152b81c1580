using System.CommandLine;
using System.Text.Json;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services;
using BiDoRA.Workbench.Services.Evaluation;
using BiDoRA.Workbench.Services.Reports;

namespace BiDoRA.Workbench.Cli;

/// <summary>
/// <c>compare</c>: a sweep folder (or chosen run folders) side by side as JSON on stdout, the same comparison the
/// workbench's compare endpoint returns; optionally the HTML report. Exit 0, or 2 for bad input.
/// </summary>
internal static class CompareCommand
{
    internal static JsonSerializerOptions Json { get; } = new(WorkbenchJson.Options) { WriteIndented = true };

    public static Command Create()
    {
        var sweep = new Option<DirectoryInfo?>("--sweep") { Description = "A sweep folder written by the sweep command." };
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
            var sweepFolder = parse.GetValue(sweep);
            var runFolders = parse.GetValue(runs) ?? [];
            if ((sweepFolder is null) == (runFolders.Length == 0))
            {
                await stderr.WriteLineAsync("error: give either --sweep DIR or --runs DIR [DIR ...].");
                return 2;
            }
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

            if (parse.GetValue(report) is { } reportFile)
            {
                var slopes = new Dictionary<string, WeightDecompositionFit>();
                foreach (var row in result.Runs.Where(r => r.Completed))
                {
                    ct.ThrowIfCancellationRequested();
                    try
                    {
                        var analysis = WeightDecomposition.Analyze(compared.First(c => c.Id == row.Id).Directory, cancellationToken: ct);
                        if (analysis.Points.Count > 0) slopes[row.Id] = analysis.Overall;
                    }
                    catch (InvalidDataException e)
                    {
                        await stderr.WriteLineAsync($"warning: no ΔM–ΔD analysis for {row.Name}: {e.Message}");
                    }
                }
                var html = HtmlReport.ForComparison(new ComparisonReportData
                {
                    Title = plan?.Name is { Length: > 0 } name ? name : "Comparison",
                    SharedPlan = plan?.Template ?? (compared.Count > 0 && result.Runs[0].Method is not null ? RunFolder.ReadPlan(compared[0].Directory) : null),
                    Comparison = result,
                    PairTests = ReportService.PairTests(compared, result, options),
                    Slopes = slopes,
                });
                Directory.CreateDirectory(Path.GetDirectoryName(reportFile.FullName)!);
                await File.WriteAllTextAsync(reportFile.FullName, html, ct);
                await stderr.WriteLineAsync($"Report written to {reportFile.FullName}.");
            }
            await stdout.WriteLineAsync(JsonSerializer.Serialize(result, Json));
            return 0;
        });
        return command;
    }

    /// <summary>The runs of a sweep folder, in the sweep's order.</summary>
    internal static IReadOnlyList<ComparedRun> RunsOf(SweepPlan plan) =>
        plan.Runs().Select(r => new ComparedRun(r.Name, r.Name, r.Plan.OutputDirectory, r.Method.ToString().ToLowerInvariant(),
            File.Exists(Path.Combine(r.Plan.OutputDirectory, RunFolder.RunFile)) ? null : "not started", Fold: r.Fold)).ToList();
}
