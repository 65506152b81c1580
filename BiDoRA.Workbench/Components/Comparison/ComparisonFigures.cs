using BiDoRA.Engine.Evaluation;
using BiDoRA.Workbench.Components.Sweeps;

namespace BiDoRA.Workbench.Components.Comparison;

/// <summary>The Plotly traces and layouts of the comparison page: bars with error bars, and the ΔM–ΔD scatter.</summary>
internal static class ComparisonFigures
{
    /// <summary>Marker symbols by snapshot, in step order; more snapshots than symbols reuse them.</summary>
    internal static readonly string[] Symbols = ["circle", "square", "diamond", "triangle-up", "cross", "x", "star", "triangle-down", "pentagon", "hexagon"];

    /// <summary>One bar trace per method over the metrics: height the mean, error bar one sample sd.</summary>
    public static IReadOnlyList<object> MetricBars(ComparisonResult result, IReadOnlyList<string> metrics) =>
        result.Groups.Select(g => (object)new
        {
            type = "bar",
            name = SweepDisplay.Method(g.Group),
            x = metrics.Select(MetricNames.Of).ToArray(),
            y = metrics.Select(m => g.Metrics.GetValueOrDefault(m)?.Mean).ToArray(),
            error_y = new { type = "data", array = metrics.Select(m => g.Metrics.GetValueOrDefault(m)?.StandardDeviation ?? 0).ToArray(), visible = true },
            hovertemplate = "%{x}: %{y:.4g} ± %{error_y.array:.3g}<extra>" + SweepDisplay.Method(g.Group) + "</extra>",
        }).ToList();

    public static object MetricBarsLayout(string title) => new
    {
        title = new { text = title, x = 0.01, xanchor = "left", font = new { size = 14 } },
        barmode = "group",
        margin = new { l = 55, r = 10, t = 48, b = 60 },
        xaxis = new { automargin = true },
        yaxis = new { title = new { text = "mean ± sd over seeds", standoff = 8 }, automargin = true, zeroline = true },
        // Above the plot, right of the title: below it, the slanted metric names would run into it.
        legend = new { orientation = "h", x = 1, xanchor = "right", y = 1.02, yanchor = "bottom" },
    };

    /// <summary>
    /// One marker trace per encoder layer (its colour), a symbol per snapshot step, the least-squares line of ΔM on
    /// ΔD, and legend-only entries that explain the symbols.
    /// </summary>
    public static IReadOnlyList<object> Decomposition(WeightDecompositionResult analysis)
    {
        var traces = new List<object>();
        var stepIndex = analysis.Steps.Select((s, i) => (s, i)).ToDictionary(p => p.s, p => p.i);
        foreach (var layer in analysis.Points.GroupBy(p => p.Layer).OrderBy(g => g.Key ?? int.MaxValue))
        {
            var points = layer.ToList();
            traces.Add(new
            {
                type = "scatter",
                mode = "markers",
                name = layer.Key is { } l ? $"layer {l}" : "other",
                legendgroup = "layers",
                x = points.Select(p => p.DeltaD).ToArray(),
                y = points.Select(p => p.DeltaM).ToArray(),
                text = points.Select(p => $"{Display.Module(p.Module)} · step {p.Step}").ToArray(),
                marker = new { size = 9, opacity = 0.85, symbol = points.Select(p => Symbols[stepIndex.GetValueOrDefault(p.Step) % Symbols.Length]).ToArray() },
                hovertemplate = "%{text}<br>ΔD %{x:.3g}, ΔM %{y:.3g}<extra></extra>",
            });
        }
        // The papers' line: query matrices of the main phase (see WeightDecompositionResult.Headline).
        var fit = analysis.Headline;
        var fitted = analysis.Points.Where(p => (fit.Phase is null || p.Phase == fit.Phase) && (fit.Scope == WeightDecompositionFit.All || p.Kind == fit.Scope)).ToList();
        if (fitted.Count >= 2 && double.IsFinite(fit.Slope))
        {
            var (low, high) = (fitted.Min(p => p.DeltaD), fitted.Max(p => p.DeltaD));
            traces.Add(new
            {
                type = "scatter",
                mode = "lines",
                name = $"fit: k = {Display.Number(fit.Slope)}",
                x = new[] { low, high },
                y = new[] { fit.Slope * low + fit.Intercept, fit.Slope * high + fit.Intercept },
                line = new { dash = "dash", width = 2, color = "#757575" },
                hoverinfo = "skip",
            });
        }
        foreach (var (step, i) in stepIndex.OrderBy(p => p.Value))
        {
            traces.Add(new
            {
                type = "scatter",
                mode = "markers",
                name = $"step {step}",
                legendgroup = "steps",
                x = new double?[] { null },
                y = new double?[] { null },
                marker = new { size = 9, symbol = Symbols[i % Symbols.Length], color = "#9e9e9e" },
                hoverinfo = "skip",
            });
        }
        return traces;
    }

    public static object DecompositionLayout(string title) => new
    {
        title = new { text = title, x = 0.01, xanchor = "left", font = new { size = 14 } },
        margin = new { l = 60, r = 10, t = 40, b = 50 },
        xaxis = new { title = new { text = "ΔD (mean 1 − cos)" }, zeroline = false },
        // ΔM ticks such as 0.0019 are wide: let the axis title move out of their way.
        yaxis = new { title = new { text = "ΔM (mean |Δ magnitude|)", standoff = 8 }, automargin = true, zeroline = false },
    };
}
