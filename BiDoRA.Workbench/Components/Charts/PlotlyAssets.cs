namespace BiDoRA.Workbench.Components.Charts;

/// <summary>Where the browser finds Plotly and the workbench's chart module; both are served by the app itself.</summary>
internal static class PlotlyAssets
{
    /// <summary>The full Plotly bundle that Plotly.Blazor ships as a static web asset (heatmaps need more than the basic one).</summary>
    public const string Script = "_content/Plotly.Blazor/plotly-3.7.0.min.js";

    public const string Module = "./js/charts.js";
}
