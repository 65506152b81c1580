using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Runs;

namespace BiDoRA.Workbench.Components.Runs;

/// <summary>The Plotly traces and layouts of the run page: magnitude heatmap, confusion matrix, regression scatter.</summary>
internal static class RunFigures
{
    /// <summary>One row per adapted module, one column per snapshot step; <paramref name="view"/> picks the statistic.</summary>
    public static IReadOnlyList<object> Magnitudes(IReadOnlyList<MagnitudesSnapshot> magnitudes, MagnitudeView view)
    {
        var snapshots = magnitudes.OrderBy(m => m.Step).ToList();
        var modules = snapshots.SelectMany(s => s.Layers.Select(l => l.Module)).Distinct().ToList();
        var z = modules.Select(module => snapshots.Select(s => s.Layers.FirstOrDefault(l => l.Module == module) is { } stats
            ? (double?)(view switch { MagnitudeView.Mean => stats.Mean, MagnitudeView.Std => stats.Std, _ => stats.MeanAbsChange })
            : null).ToArray()).ToArray();
        return
        [
            new
            {
                type = "heatmap",
                x = snapshots.Select(s => s.Step).ToArray(),
                y = modules.Select(Display.Module).ToArray(),
                z,
                colorscale = "Viridis",
                colorbar = new { thickness = 12 },
                hovertemplate = "step %{x}<br>%{y}<br>%{z:.4g}<extra></extra>",
            },
        ];
    }

    public static object MagnitudesLayout() => new
    {
        margin = new { l = 90, r = 10, t = 10, b = 40 },
        xaxis = new { title = new { text = "Step" } },
        yaxis = new { automargin = true, autorange = "reversed" },
    };

    public static IReadOnlyList<object> Confusion(TestSetPredictions predictions) =>
    [
        new
        {
            type = "heatmap",
            x = predictions.ClassNames,
            y = predictions.ClassNames,
            z = predictions.ConfusionMatrix(),
            colorscale = "Blues",
            reversescale = true,
            showscale = false,
            texttemplate = "%{z}",
            hovertemplate = "true %{y}, predicted %{x}: %{z}<extra></extra>",
        },
    ];

    public static object ConfusionLayout() => new
    {
        title = new { text = "Confusion matrix (test set)", x = 0.01, xanchor = "left", font = new { size = 14 } },
        margin = new { l = 70, r = 10, t = 40, b = 50 },
        xaxis = new { title = new { text = "Predicted" }, type = "category", side = "bottom" },
        yaxis = new { title = new { text = "True" }, type = "category", autorange = "reversed" },
    };

    /// <summary>Predicted against true values of the test examples with numeric labels, and the y = x line over their range.</summary>
    public static IReadOnlyList<object> Scatter(TestSetPredictions predictions)
    {
        var rows = predictions.Rows.Where(r => r.LabelValue is not null && r.PredictedValue is not null).ToList();
        var all = rows.SelectMany(r => new[] { r.LabelValue!.Value, r.PredictedValue!.Value }).DefaultIfEmpty(0).ToList();
        var (low, high) = (all.Min(), all.Max());
        return
        [
            new
            {
                type = "scatter", mode = "markers", name = "test examples",
                x = rows.Select(r => r.LabelValue!.Value).ToArray(),
                y = rows.Select(r => r.PredictedValue!.Value).ToArray(),
                text = rows.Select(r => r.Id ?? r.Sequence).ToArray(),
                marker = new { size = 6, opacity = 0.7 },
                hovertemplate = "%{text}<br>true %{x:.4g}, predicted %{y:.4g}<extra></extra>",
            },
            new { type = "scatter", mode = "lines", name = "y = x", x = new[] { low, high }, y = new[] { low, high }, line = new { dash = "dot", width = 1 }, hoverinfo = "skip" },
        ];
    }

    public static object ScatterLayout() => new
    {
        title = new { text = "Predicted against true (test set)", x = 0.01, xanchor = "left", font = new { size = 14 } },
        margin = new { l = 60, r = 10, t = 40, b = 50 },
        xaxis = new { title = new { text = "True" } },
        yaxis = new { title = new { text = "Predicted" }, automargin = true },
        showlegend = false,
    };
}
