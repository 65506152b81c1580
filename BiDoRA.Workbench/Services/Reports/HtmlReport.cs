using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.Training;

namespace BiDoRA.Workbench.Services.Reports;

/// <summary>
/// Self-contained HTML reports of a run or of a comparison (a sweep): settings, metrics, tests and charts as inline
/// SVG, styles inline, no script and no external file, so the file opens anywhere, offline, and prints.
/// </summary>
internal static class HtmlReport
{
    private const string Style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1000px;color:#222;padding:0 1rem}
        h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
        .meta{color:#666;font-size:.9rem}table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
        th,td{border:1px solid #ddd;padding:.25rem .55rem;text-align:left;vertical-align:top}th{background:#f4f6f8}
        td.num{text-align:right;font-variant-numeric:tabular-nums}.warn{background:#fff6e0;border-left:4px solid #e0a000;padding:.4rem .8rem}
        .error{background:#fdecea;border-left:4px solid #c62828;padding:.4rem .8rem}.charts svg{margin:.5rem 1rem .5rem 0;max-width:100%;height:auto}
        .note{color:#555;font-size:.85rem}@media print{h2{page-break-after:avoid}svg{page-break-inside:avoid}}
        """;

    public static string ForRun(RunReportData data)
    {
        var html = new StringBuilder();
        Begin(html, data.Title);
        html.Append("<p class=\"meta\">Run ").Append(E(data.RunId ?? "")).Append(" · status <b>").Append(E(data.Status)).Append("</b> · report generated ")
            .Append(E(data.Generated.ToString("u", CultureInfo.InvariantCulture))).Append(data.Results is { } r0 ? " · engine " + E(r0.EngineVersion) : "").Append("</p>");
        if (data.Error is { Length: > 0 } error) html.Append("<p class=\"error\">").Append(E(error)).Append("</p>");

        var results = data.Results;
        if (results is not null)
        {
            html.Append("<h2>Results</h2>");
            var split = results.Test.Count > 0 ? results.Test : results.ValidationBest;
            if (split.Count == 0)
            {
                html.Append("<p>No metrics yet: the run has not finished.</p>");
            }
            else
            {
                html.Append("<table><tr><th>metric</th><th>test</th><th>")
                    .Append(results.ValidationInSample == true ? "validation (in-sample: trained on)" : results.ValidationInSample == false ? "selection split (held out)" : "best validation").Append("</th></tr>");
                foreach (var metric in MetricCatalog.Sort(results.Test.Keys.Concat(results.ValidationBest.Keys)))
                {
                    html.Append("<tr><td>").Append(E(metric)).Append("</td>")
                        .Append(Num(results.Test.TryGetValue(metric, out var t) ? t : null)).Append(Num(results.ValidationBest.TryGetValue(metric, out var v) ? v : null)).Append("</tr>");
                }
                html.Append("</table>");
            }
            html.Append("<table>");
            Row(html, "#Params (paper: adapters + magnitudes)", Count(results.PaperParameterCount));
            Row(html, "trainable parameters (with the head)", Count(results.TrainableParameters));
            foreach (var group in results.ParameterGroups) Row(html, "· " + group.Name, Count(group.Count));
            Row(html, "training time", Duration(results.DurationSeconds));
            Row(html, "steps", results.Steps?.ToString(CultureInfo.InvariantCulture) ?? "—");
            Row(html, "best step", results.BestStep?.ToString(CultureInfo.InvariantCulture) ?? "—");
            Row(html, "examples (train / validation / test)", $"{results.TrainExamples} / {results.ValidationExamples} / {results.TestExamples}");
            Row(html, "task", results.Task.ToString());
            if (results.ClassNames is { Count: > 0 } classes) Row(html, "classes", string.Join(", ", classes));
            Row(html, "dataset hash", results.DatasetHash);
            Row(html, "base model", results.ModelFolder);
            html.Append("</table>");
        }

        html.Append("<h2>Training</h2><div class=\"charts\">");
        var steps = Thin(data.Steps, 1500);
        var lossSeries = new List<SvgChart.Series>
        {
            new("training loss", steps.Select(s => ((double)s.Step, s.Loss)).ToList(), SvgChart.Palette[0]),
        };
        if (steps.Any(s => s.UpperLoss is not null))
        {
            lossSeries.Add(new("upper-level loss", steps.Where(s => s.UpperLoss is not null).Select(s => ((double)s.Step, s.UpperLoss!.Value)).ToList(), SvgChart.Palette[1]));
        }
        html.Append(SvgChart.Plot("Loss", "step", "loss", lossSeries));
        var task = results?.Task ?? data.Plan?.Task;
        var evaluations = data.Evaluations.Where(e => e.Split is "validation" or "selection").ToList();
        var metricSeries = new List<SvgChart.Series>();
        foreach (var (metric, i) in new[] { MetricCatalog.Headline(task), MetricCatalog.Companion(task) }.Select((m, i) => (m, i)))
        {
            var points = evaluations.Where(e => e.Metrics.ContainsKey(metric)).Select(e => ((double)e.Step, e.Metrics[metric])).ToList();
            if (points.Count > 0) metricSeries.Add(new(metric, points, SvgChart.Palette[2 + i], Markers: true));
        }
        var inSample = evaluations.Any(e => e.InSample);
        html.Append(SvgChart.Plot(inSample ? "Validation (in-sample: trained on)" : evaluations.Count > 0 && evaluations[0].Split == "selection" ? "Selection split (held out)" : "Validation", "step", "metric", metricSeries));
        html.Append("</div>");

        if (data.Predictions is { } predictions)
        {
            html.Append("<h2>Test predictions</h2><div class=\"charts\">");
            if (predictions.Confusion is { } confusion)
            {
                html.Append(SvgChart.Confusion("Confusion matrix (test)", predictions.Classes, confusion));
                if (predictions.Calibration is { } calibration) html.Append(Reliability(calibration, "test"));
            }
            else
            {
                html.Append(SvgChart.Plot("Predicted vs true (test)", "true", "predicted",
                    [new SvgChart.Series("test sequences", predictions.Values.Select(v => (v.Truth, v.Predicted)).ToList(), SvgChart.Palette[0], Line: false, Markers: true)],
                    [new SvgChart.FitLine("y = x", 1, 0, "#888")]));
            }
            html.Append("</div>");
        }

        html.Append("<h2>Weight decomposition (ΔM vs ΔD)</h2>");
        if (data.Analysis is { Points.Count: > 0 } analysis) AppendAnalysis(html, analysis);
        else html.Append("<p>").Append(E(data.AnalysisError ?? "No analysis snapshots yet: they are written at each evaluation.")).Append("</p>");

        if (data.Plan is { } plan)
        {
            html.Append("<h2>Settings</h2>");
            AppendPlan(html, plan, []);
        }
        return End(html);
    }

    /// <summary>A pooled comparison over several sweeps: the pooled test, each task's test, every pair.</summary>
    public static string ForPooled(PooledComparisonResult pooled, string title = "Pooled comparison")
    {
        var html = new StringBuilder();
        Begin(html, title);
        html.Append("<p class=\"meta\">").Append(E(pooled.B)).Append(" against ").Append(E(pooled.A)).Append(" over ").Append(pooled.Tasks.Count)
            .Append(" tasks, pairs by (sweep, seed, fold); improvement = ").Append(E(pooled.B)).Append(" − ").Append(E(pooled.A))
            .Append(" on each task's headline metric, negated for error metrics (positive: ").Append(E(pooled.B)).Append(" better).</p>");
        html.Append("<h2>Pooled test</h2><p").Append(pooled.SmallestPossibleP > PooledComparison.Alpha ? " class=\"warn\"" : "").Append(">").Append(E(pooled.Reach)).Append("</p>");
        html.Append("<table><tr><th>scope</th><th>metric</th><th>pairs</th><th>mean improvement</th><th>W+</th><th>p</th><th>method</th></tr>");
        void Line(string scope, string metric, int pairs, double? mean, WilcoxonResult? r) =>
            html.Append("<tr><td>").Append(E(scope)).Append("</td><td>").Append(E(metric)).Append("</td><td class=\"num\">").Append(pairs).Append("</td>")
                .Append(Num(mean)).Append(Num(r?.WPlus)).Append(P(r?.PValue)).Append("<td>").Append(E(r is null ? "—" : r.Method.ToString().ToLowerInvariant())).Append("</td></tr>");
        Line("pooled", "headline per task", pooled.Pairs.Count, pooled.MeanImprovement, pooled.Result);
        foreach (var task in pooled.Tasks) Line(task.Name, task.Metric, task.Pairs, task.MeanImprovement, task.Result);
        html.Append("</table><p class=\"note\">Alternative: ").Append(E(pooled.Alternative == TestAlternative.TwoSided ? "two-sided" : pooled.Alternative == TestAlternative.Greater ? pooled.B + " better (one-sided)" : pooled.B + " worse (one-sided)"))
            .Append(". Pooling ranks improvements of different metrics together, as the BiDoRA paper pools GLUE's tasks; a task with larger differences weighs more.</p>");
        foreach (var warning in pooled.Warnings) html.Append("<p class=\"warn\">").Append(E(warning)).Append("</p>");
        html.Append("<h2>Pairs</h2><table><tr><th>task</th><th>pair</th><th>metric</th><th>").Append(E(pooled.A)).Append("</th><th>").Append(E(pooled.B)).Append("</th><th>improvement</th></tr>");
        foreach (var pair in pooled.Pairs)
        {
            html.Append("<tr><td>").Append(E(pair.Task)).Append("</td><td>").Append(E(pair.Pair)).Append("</td><td>").Append(E(pair.Metric)).Append("</td>")
                .Append(Num(pair.A)).Append(Num(pair.B)).Append(Num(pair.Improvement)).Append("</tr>");
        }
        html.Append("</table>");
        return End(html);
    }

    public static string ForComparison(ComparisonReportData data)
    {
        var comparison = data.Comparison;
        var html = new StringBuilder();
        Begin(html, data.Title);
        html.Append("<p class=\"meta\">").Append(data.SweepId is { } id ? "Sweep " + E(id) + " · " : "")
            .Append(data.Status is { } status ? "status <b>" + E(status) + "</b> · " : "")
            .Append(comparison.Runs.Count(r => r.Completed)).Append(" of ").Append(comparison.Runs.Count).Append(" runs completed · metrics on the ")
            .Append(E(comparison.Split)).Append(" split · report generated ").Append(E(data.Generated.ToString("u", CultureInfo.InvariantCulture))).Append("</p>");
        foreach (var warning in comparison.Warnings) html.Append("<p class=\"warn\">").Append(E(warning)).Append("</p>");

        // Groups as columns: a sweep has a few methods but many metrics.
        var groups = comparison.Groups;
        html.Append("<h2>Methods (mean ± sample sd over seeds)</h2><table><tr><th></th>");
        foreach (var group in groups) html.Append("<th>").Append(E(group.Group)).Append("</th>");
        html.Append("</tr><tr><th>runs completed</th>");
        foreach (var group in groups) html.Append("<td class=\"num\">").Append(group.Completed).Append(" / ").Append(group.Runs).Append("</td>");
        html.Append("</tr><tr><th>#Params (paper: adapters + magnitudes)</th>");
        foreach (var group in groups) html.Append("<td class=\"num\">").Append(MeanCount(group.PaperParameterCount)).Append("</td>");
        html.Append("</tr><tr><th>trainable (with the head)</th>");
        foreach (var group in groups) html.Append("<td class=\"num\">").Append(MeanCount(group.TrainableParameters)).Append("</td>");
        foreach (var metric in comparison.Metrics)
        {
            html.Append("</tr><tr><th>").Append(E(metric)).Append(MetricCatalog.HigherIsBetter(metric) ? " ↑" : " ↓").Append("</th>");
            foreach (var group in groups) html.Append("<td class=\"num\">").Append(MeanSd(group.Metrics.GetValueOrDefault(metric) ?? SampleSummary.Empty)).Append("</td>");
        }
        html.Append("</tr><tr><th>training time</th>");
        foreach (var group in groups)
        {
            html.Append("<td class=\"num\">").Append(group.DurationSeconds.Mean is { } mean ? Duration(mean) + (group.DurationSeconds.StandardDeviation is { } sd ? " ± " + Duration(sd) : "") : "—").Append("</td>");
        }
        html.Append("</tr><tr><th>k (slope of ΔM on ΔD)</th>");
        foreach (var group in groups)
        {
            var slopes = SampleSummary.Of(comparison.Runs.Where(r => r.Group == group.Group && data.Slopes.ContainsKey(r.Id)).Select(r => data.Slopes[r.Id].Slope));
            html.Append("<td class=\"num\">").Append(MeanSd(slopes)).Append("</td>");
        }
        html.Append("</tr></table>");

        html.Append("<div class=\"charts\">");
        var categories = comparison.Groups.Select((g, i) => new SvgChart.Category(
            g.Group,
            comparison.Runs.Where(r => r.Group == g.Group && r.Completed).Select(r => r.Metrics.GetValueOrDefault(comparison.PrimaryMetric, double.NaN)).ToList(),
            g.Metrics.GetValueOrDefault(comparison.PrimaryMetric)?.Mean,
            g.Metrics.GetValueOrDefault(comparison.PrimaryMetric)?.StandardDeviation,
            SvgChart.Palette[i % SvgChart.Palette.Length])).ToList();
        html.Append(SvgChart.Dots($"{comparison.PrimaryMetric} per run (bar: mean, whiskers: ± sd)", comparison.PrimaryMetric, categories));
        html.Append("</div>");

        if (data.Calibration.Count > 0) AppendEnsembleCalibration(html, data.Calibration);

        if (comparison.Comparison is { } paired)
        {
            html.Append("<h2>Wilcoxon signed-rank test: ").Append(E(paired.B)).Append(" vs ").Append(E(paired.A)).Append("</h2>");
            html.Append("<p class=\"note\">Pairs by seed (").Append(E(string.Join(", ", paired.Seeds))).Append("); differences are ").Append(E(paired.B)).Append(" − ").Append(E(paired.A))
                .Append("; alternative: ").Append(E(Alternative(paired.Alternative, paired.A, paired.B))).Append(". Zero differences are dropped (Wilcoxon) unless Pratt was asked for; ties get midranks. ")
                .Append("Exact p-values enumerate the sign patterns of the observed ranks; the normal approximation uses the tie-corrected variance with a continuity correction. ")
                .Append("r = Z/√n; rank-biserial = (W+ − W−)/(W+ + W−).</p>");
            AppendTests(html, paired.Tests);
        }
        if (data.PairTests.Count > 0)
        {
            html.Append("<h2>Every pair of methods on ").Append(E(comparison.PrimaryMetric)).Append("</h2><table><tr><th>B vs A</th><th>pairs</th><th>mean B − A</th><th>W+</th><th>W−</th><th>p</th><th>method</th><th>rank-biserial</th></tr>");
            foreach (var pair in data.PairTests)
            {
                var test = pair.Tests.FirstOrDefault();
                var w = test?.Result;
                html.Append("<tr><td>").Append(E(pair.B)).Append(" vs ").Append(E(pair.A)).Append("</td><td class=\"num\">").Append(pair.Seeds.Count).Append("</td>")
                    .Append(Num(test?.MeanDifference)).Append(Num(w?.WPlus)).Append(Num(w?.WMinus)).Append(P(w?.PValue)).Append("<td>").Append(E(w?.Method.ToString().ToLowerInvariant() ?? "—")).Append("</td>")
                    .Append(Num(w?.RankBiserial)).Append("</tr>");
            }
            html.Append("</table>");
        }

        html.Append("<h2>Runs</h2><table><tr><th>run</th><th>group</th><th>seed</th><th>status</th><th>").Append(E(comparison.PrimaryMetric)).Append("</th><th>#Params (paper)</th><th>training time</th><th>k</th><th>r (ΔM, ΔD)</th></tr>");
        foreach (var run in comparison.Runs)
        {
            var slope = data.Slopes.GetValueOrDefault(run.Id);
            html.Append("<tr><td>").Append(E(run.Name)).Append(run.Error is { } e ? "<br><span class=\"note\">" + E(e) + "</span>" : "").Append("</td><td>").Append(E(run.Group)).Append("</td><td class=\"num\">")
                .Append(run.Seed?.ToString(CultureInfo.InvariantCulture) ?? "—").Append("</td><td>").Append(E(run.Status)).Append("</td>")
                .Append(Num(run.Metrics.TryGetValue(comparison.PrimaryMetric, out var value) ? value : null))
                .Append("<td class=\"num\">").Append(run.PaperParameterCount is { } count ? Count(count) : "—").Append("</td><td class=\"num\">").Append(Duration(run.DurationSeconds)).Append("</td>")
                .Append(Num(slope?.Slope)).Append(Num(slope?.Correlation)).Append("</tr>");
        }
        html.Append("</table>");

        if (data.SharedPlan is { } plan)
        {
            html.Append("<h2>Shared settings</h2>");
            AppendPlan(html, plan, ["method", "seed", "outputDirectory"]);
        }
        return End(html);
    }

    private static void AppendEnsembleCalibration(StringBuilder html, IReadOnlyList<EnsembleCalibration> calibration)
    {
        html.Append("<h2>Calibration: ensembles and their members (test rows)</h2>")
            .Append("<p class=\"note\">Expected calibration error (").Append(Calibration.DefaultBins).Append(" equal confidence bins of the top-class probability; 0 is perfect). ");
        foreach (var construction in calibration.Select(c => c.Construction).Distinct()) html.Append(E(construction)).Append(' ');
        html.Append("Members' ECE: mean ± sample sd of each run's ECE on its own test rows.</p>");
        html.Append("<table><tr><th>method</th><th>members</th><th>test rows</th><th>ensemble ECE</th><th>members' ECE</th></tr>");
        foreach (var c in calibration)
        {
            html.Append("<tr><td>").Append(E(c.Group)).Append("</td><td class=\"num\">").Append(c.Members).Append("</td><td class=\"num\">").Append(c.Ensemble.Examples).Append("</td>")
                .Append("<td class=\"num\" data-ensemble-ece=\"").Append(E(c.Group)).Append("\">").Append(Invariant(c.Ensemble.ExpectedCalibrationError)).Append("</td>")
                .Append("<td class=\"num\">").Append(MeanSd(c.MemberEce)).Append("</td></tr>");
        }
        html.Append("</table><div class=\"charts\">");
        foreach (var c in calibration) html.Append(Reliability(c.Ensemble, $"{c.Group} ensemble of {c.Members}"));
        html.Append("</div>");
    }

    /// <summary>A number written in full (round-trip), for readers that check it against their own computation.</summary>
    private static string Invariant(double value) => double.IsFinite(value) ? value.ToString("0.######", CultureInfo.InvariantCulture) : "—";

    private static void AppendTests(StringBuilder html, IReadOnlyList<MetricTest> tests)
    {
        html.Append("<table><tr><th>metric</th><th>pairs</th><th>zeros</th><th>mean B − A</th><th>W+</th><th>W−</th><th>Z</th><th>p</th><th>method</th><th>r</th><th>rank-biserial</th></tr>");
        foreach (var test in tests)
        {
            var w = test.Result;
            html.Append("<tr><td>").Append(E(test.Metric)).Append(test.HigherIsBetter ? " ↑" : " ↓").Append("</td><td class=\"num\">").Append(w?.Pairs ?? 0).Append("</td><td class=\"num\">").Append(w?.Zeros ?? 0).Append("</td>")
                .Append(Num(test.MeanDifference)).Append(Num(w?.WPlus)).Append(Num(w?.WMinus)).Append(Num(w?.Z)).Append(P(w?.PValue))
                .Append("<td>").Append(w is null ? "—" : E(w.Method.ToString().ToLowerInvariant() + (w.ContinuityCorrection ? ", corrected" : "") + (w.HasTies ? ", ties" : ""))).Append("</td>")
                .Append(Num(w?.EffectSizeR)).Append(Num(w?.RankBiserial)).Append("</tr>");
        }
        html.Append("</table>");
    }

    /// <summary>The reliability diagram (accuracy against confidence per bin, the diagonal is perfect calibration) with its ECE.</summary>
    internal static string Reliability(CalibrationResult calibration, string what)
    {
        var filled = calibration.Bins.Where(b => b.Count > 0).ToList();
        var series = new List<SvgChart.Series>
        {
            new($"{what} ({calibration.Examples} sequences)", filled.Select(b => (b.MeanConfidence!.Value, b.Accuracy!.Value)).ToList(), SvgChart.Palette[0], Line: true, Markers: true),
        };
        return SvgChart.Plot($"Reliability diagram, ECE = {SvgChart.Label(calibration.ExpectedCalibrationError)}", "confidence (top-class probability)", "accuracy",
            series, [new SvgChart.FitLine("perfect calibration", 1, 0, "#888")]);
    }

    private static void AppendAnalysis(StringBuilder html, WeightDecompositionResult analysis)
    {
        html.Append("<p class=\"note\">One point per adapted matrix per snapshot: ΔM = mean |m − ‖W0‖| over output rows, ΔD = mean (1 − cos(V, W0)). ")
            .Append("k is the least-squares slope of ΔM on ΔD (the BiDoRA paper reports k = −8.042 for BiDoRA, −1.784 for DoRA, fitted on the query matrices); r is their correlation. ")
            .Append("The headline k is the query matrices' in the ").Append(E(analysis.HeadlinePhase)).Append(" phase; each phase is also fitted on its own.</p>");
        html.Append("<table><tr><th>phase</th><th>points</th><th>k</th><th>intercept</th><th>r</th><th>n</th></tr>");
        foreach (var fit in analysis.Fits)
        {
            html.Append("<tr><td>").Append(E(fit.Phase ?? "all phases")).Append("</td><td>").Append(E(fit.Scope)).Append(fit == analysis.Headline ? " (headline)" : "").Append("</td>").Append(Num(fit.Slope)).Append(Num(fit.Intercept)).Append(Num(fit.Correlation)).Append("<td class=\"num\">").Append(fit.Count).Append("</td></tr>");
        }
        html.Append("</table><div class=\"charts\">");
        var kinds = analysis.Points.Select(p => p.Kind).Distinct().ToList();
        var series = kinds.Select((k, i) => new SvgChart.Series(k, analysis.Points.Where(p => p.Kind == k).Select(p => (p.DeltaD, p.DeltaM)).ToList(),
            SvgChart.Palette[i % SvgChart.Palette.Length], Line: false, Markers: true)).ToList();
        var overall = analysis.Headline;
        html.Append(SvgChart.Plot("ΔM vs ΔD, all steps", "ΔD", "ΔM", series,
            [new SvgChart.FitLine($"k = {SvgChart.Label(overall.Slope)}", overall.Slope, overall.Intercept, "#444")]));
        var steps = analysis.Steps;
        var bySteps = steps.Select((s, i) => new SvgChart.Series($"step {s}", analysis.Points.Where(p => p.Step == s).Select(p => (p.DeltaD, p.DeltaM)).ToList(),
            SvgChart.Palette[i % SvgChart.Palette.Length], Line: false, Markers: true)).TakeLast(8).ToList();
        html.Append(SvgChart.Plot("ΔM vs ΔD by snapshot (last 8)", "ΔD", "ΔM", bySteps));
        html.Append("</div>");
    }

    private static void AppendPlan(StringBuilder html, RunPlan plan, IReadOnlyCollection<string> skip)
    {
        html.Append("<table>");
        using var doc = JsonSerializer.SerializeToDocument(plan, WorkbenchJson.Options);
        foreach (var property in doc.RootElement.EnumerateObject())
        {
            if (skip.Contains(property.Name)) continue;
            var value = property.Value.ValueKind switch
            {
                JsonValueKind.Array => string.Join(", ", property.Value.EnumerateArray().Select(v => v.ToString())),
                JsonValueKind.Null => "—",
                _ => property.Value.ToString(),
            };
            Row(html, property.Name, value);
        }
        html.Append("</table>");
    }

    private static void Begin(StringBuilder html, string title) =>
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<meta name=\"generator\" content=\"BiDoRA Workbench\"><title>").Append(E(title)).Append("</title><style>").Append(Style).Append("</style></head><body><h1>")
            .Append(E(title)).Append("</h1>");

    private static string End(StringBuilder html) =>
        html.Append("<p class=\"note\">BiDoRA Workbench report. Charts are inline SVG; hover a point for its value.</p></body></html>").ToString();

    private static void Row(StringBuilder html, string name, string value) =>
        html.Append("<tr><th>").Append(E(name)).Append("</th><td>").Append(E(value)).Append("</td></tr>");

    private static IReadOnlyList<T> Thin<T>(IReadOnlyList<T> items, int max)
    {
        if (items.Count <= max) return items;
        var every = (items.Count + max - 1) / max;
        return items.Where((_, i) => i % every == 0 || i == items.Count - 1).ToList();
    }

    private static string Alternative(TestAlternative alternative, string a, string b) => alternative switch
    {
        TestAlternative.Greater => $"{b} scores higher than {a} (one-sided)",
        TestAlternative.Less => $"{b} scores lower than {a} (one-sided)",
        _ => "two-sided",
    };

    private static string Num(double? value) =>
        "<td class=\"num\">" + (value is { } v && double.IsFinite(v) ? E(Format(v)) : "—") + "</td>";

    private static string P(double? value) =>
        "<td class=\"num\">" + (value is { } v && double.IsFinite(v) ? E(v < 1e-4 ? v.ToString("0.00E0", CultureInfo.InvariantCulture) : v.ToString("0.0000", CultureInfo.InvariantCulture)) : "—") + "</td>";

    private static string Format(double v) =>
        v == 0 ? "0" : Math.Abs(v) is >= 1e-3 and < 1e6 ? v.ToString("0.####", CultureInfo.InvariantCulture) : v.ToString("0.###E0", CultureInfo.InvariantCulture);

    private static string MeanSd(SampleSummary s) =>
        s.Mean is not { } mean ? "—" : E(Format(mean) + (s.StandardDeviation is { } sd ? " ± " + Format(sd) : "") + $" (n={s.Count})");

    private static string MeanCount(SampleSummary s) => s.Mean is { } m ? E(Count((long)Math.Round(m))) : "—";

    private static string Count(long n) => n switch
    {
        >= 1_000_000 => (n / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        >= 10_000 => (n / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "K",
        _ => n.ToString(CultureInfo.InvariantCulture),
    };

    private static string Duration(double? seconds) => seconds switch
    {
        null => "—",
        < 60 => seconds.Value.ToString("0.0", CultureInfo.InvariantCulture) + " s",
        < 3600 => (seconds.Value / 60).ToString("0.0", CultureInfo.InvariantCulture) + " min",
        _ => (seconds.Value / 3600).ToString("0.00", CultureInfo.InvariantCulture) + " h",
    };

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
