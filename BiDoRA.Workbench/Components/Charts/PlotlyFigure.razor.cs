using BiDoRA.Workbench.Components.Layout;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace BiDoRA.Workbench.Components.Charts;

/// <summary>
/// A complete Plotly figure (heatmaps, confusion matrices, histograms), drawn again only when
/// <see cref="Revision"/> or the theme changes; the data crosses to the browser once per revision.
/// </summary>
public sealed partial class PlotlyFigure : ComponentBase, IAsyncDisposable
{
    private ElementReference _element;
    private IJSObjectReference? _module;
    private long _drawnRevision = -1;
    private bool _drawnDark;
    private string? _error;
    private bool _disposed;
    private bool _drawn;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    [Inject]
    private ILogger<PlotlyFigure> Logger { get; set; } = default!;

    [Parameter]
    public string? TestId { get; set; }

    [Parameter]
    public string AriaLabel { get; set; } = "Chart";

    [Parameter]
    public string Height { get; set; } = "320px";

    /// <summary>Plotly traces.</summary>
    [Parameter, EditorRequired]
    public IReadOnlyList<object> Data { get; set; } = [];

    /// <summary>Plotly layout; theme colours are added in the browser.</summary>
    [Parameter]
    public object? Layout { get; set; }

    /// <summary>Change it to redraw with new <see cref="Data"/> or <see cref="Layout"/>.</summary>
    [Parameter]
    public long Revision { get; set; }

    [CascadingParameter(Name = ThemePreference.DarkModeName)]
    public bool DarkMode { get; set; }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (_disposed || (!firstRender && Revision == _drawnRevision && DarkMode == _drawnDark)) return;
        try
        {
            _module ??= await JS.InvokeAsync<IJSObjectReference>("import", PlotlyAssets.Module);
            (_drawnRevision, _drawnDark) = (Revision, DarkMode);
            await _module.InvokeVoidAsync("render", _element, PlotlyAssets.Script, Data, Layout, DarkMode);
            if (!_drawn)
            {
                _drawn = true;
                StateHasChanged();
            }
        }
        catch (Exception ex) when (ex is JSDisconnectedException or OperationCanceledException)
        {
        }
        catch (JSException ex)
        {
            Logger.LogWarning(ex, "Figure {Figure} could not be drawn.", TestId);
            _error = "The chart could not be drawn: " + ex.Message;
            StateHasChanged();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (_module is null) return;
        try
        {
            await _module.InvokeVoidAsync("dispose", _element);
            await _module.DisposeAsync();
        }
        catch (Exception ex) when (ex is JSDisconnectedException or OperationCanceledException or JSException)
        {
        }
    }
}
