namespace BiDoRA.Workbench.Components.Charts;

/// <summary>One line of a <see cref="LiveChart"/>, as Plotly draws it.</summary>
/// <param name="Name">Legend name; also how points are appended to it.</param>
public sealed record LiveSeries(string Name)
{
    /// <summary>A CSS colour; null takes the theme's next colour.</summary>
    public string? Color { get; init; }

    /// <summary>Plotly dash style ("dot", "dash"); null draws a solid line.</summary>
    public string? Dash { get; init; }

    /// <summary>1 for the left y axis, 2 for the right one.</summary>
    public int Axis { get; init; } = 1;

    /// <summary>Listed in the legend but not drawn until clicked there (for secondary series).</summary>
    public bool Hidden { get; init; }

    /// <summary>Plotly scatter mode: "lines", "markers" or "lines+markers".</summary>
    public string Mode { get; init; } = "lines";
}
