using BiDoRA.Workbench.Components.Layout;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace BiDoRA.Workbench.Components.Charts;

/// <summary>
/// A line chart that grows while data arrives. Points are appended from any thread; every
/// <see cref="FlushInterval"/> the new ones go to the browser in one <c>Plotly.extendTraces</c> call, so a chart
/// stays smooth with tens of thousands of points. The component keeps every point and how many the browser
/// confirmed holding: a call lost to a dropped connection is simply sent again, and the browser skips what it
/// already has, so each point is drawn exactly once.
/// </summary>
public sealed partial class LiveChart : ComponentBase, IAsyncDisposable
{
    /// <summary>Most points of one series per browser call; a long replay goes in several calls.</summary>
    internal const int MaxPointsPerCall = 20_000;

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly List<SeriesData> _series = [];
    private readonly CancellationTokenSource _disposed = new();
    private ElementReference _element;
    private IJSObjectReference? _module;
    private bool _created;
    private int _clientTraces;
    private bool _flushScheduled;
    private bool _replace;
    private bool _hasPoints;
    private bool _dark;
    private string? _error;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    [Inject]
    private ILogger<LiveChart> Logger { get; set; } = default!;

    [Parameter]
    public string? TestId { get; set; }

    [Parameter]
    public string? Title { get; set; }

    [Parameter]
    public string XTitle { get; set; } = "Step";

    [Parameter]
    public string? YTitle { get; set; }

    /// <summary>Title of the right y axis; series with <see cref="LiveSeries.Axis"/> 2 use it.</summary>
    [Parameter]
    public string? Y2Title { get; set; }

    [Parameter]
    public bool LogY { get; set; }

    /// <summary>Legend as a column on the right (for charts with many series) instead of a row above.</summary>
    [Parameter]
    public bool LegendRight { get; set; }

    [Parameter]
    public string Height { get; set; } = "320px";

    [Parameter]
    public string EmptyText { get; set; } = "No data yet.";

    /// <summary>How long points collect before they are sent together.</summary>
    [Parameter]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Series the chart starts with (read once); more appear when points are appended under a new name.</summary>
    [Parameter]
    public IReadOnlyList<LiveSeries> Series { get; set; } = [];

    [CascadingParameter(Name = ThemePreference.DarkModeName)]
    public bool DarkMode { get; set; }

    /// <summary>Points of a series held here (not necessarily drawn yet); -1 for an unknown series.</summary>
    public int Count(string series)
    {
        lock (_gate)
        {
            var index = _series.FindIndex(s => s.Spec.Name == series);
            return index < 0 ? -1 : _series[index].X.Count;
        }
    }

    /// <summary>Adds a series (no-op when one has the name already).</summary>
    public void AddSeries(LiveSeries series)
    {
        lock (_gate)
        {
            if (_series.FindIndex(s => s.Spec.Name == series.Name) < 0) _series.Add(new SeriesData(series));
        }
    }

    /// <summary>Appends a point; a series of that name is created when there is none. A non-finite y leaves a gap.</summary>
    public void Append(string series, double x, double y) => Append(new LiveSeries(series), x, y);

    /// <summary>Appends a point to the series named like <paramref name="series"/>, created as given when there is none.</summary>
    public void Append(LiveSeries series, double x, double y)
    {
        lock (_gate)
        {
            var index = _series.FindIndex(s => s.Spec.Name == series.Name);
            if (index < 0)
            {
                index = _series.Count;
                _series.Add(new SeriesData(series));
            }
            _series[index].X.Add(x);
            _series[index].Y.Add(double.IsFinite(y) ? y : null);
        }
        ScheduleFlush();
    }

    /// <summary>
    /// Drops every point at or after <paramref name="x"/> (a resumed run repeats the steps after its checkpoint);
    /// the browser's copy is replaced on the next flush.
    /// </summary>
    public void TruncateFrom(double x)
    {
        var removed = false;
        lock (_gate)
        {
            foreach (var s in _series)
            {
                var keep = s.X.FindIndex(v => v >= x);
                if (keep < 0) continue;
                s.X.RemoveRange(keep, s.X.Count - keep);
                s.Y.RemoveRange(keep, s.Y.Count - keep);
                s.Confirmed = Math.Min(s.Confirmed, keep);
                removed = true;
            }
            if (removed) _replace = true;
        }
        if (removed) ScheduleFlush();
    }

    protected override void OnInitialized()
    {
        foreach (var s in Series) AddSeries(s);
        _dark = DarkMode;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        try
        {
            if (firstRender)
            {
                _module = await JS.InvokeAsync<IJSObjectReference>("import", _disposed.Token, PlotlyAssets.Module);
                LiveSeries[] initial;
                lock (_gate) initial = _series.Select(s => s.Spec).ToArray();
                _clientTraces = await _module.InvokeAsync<int>("create", _disposed.Token, _element, PlotlyAssets.Script, Layout(), initial, _dark);
                lock (_gate) _created = true;
                ScheduleFlush();
            }
            else if (_created && _module is not null && DarkMode != _dark)
            {
                _dark = DarkMode;
                await _module.InvokeVoidAsync("setTheme", _disposed.Token, _element, _dark);
            }
        }
        catch (Exception ex) when (ex is JSDisconnectedException or OperationCanceledException)
        {
            // The page is going away.
        }
        catch (JSException ex)
        {
            Logger.LogWarning(ex, "Chart {Chart} could not be drawn.", TestId);
            _error = "The chart could not be drawn: " + ex.Message + " Reload the page to try again.";
            StateHasChanged();
        }
    }

    private Dictionary<string, object> Layout()
    {
        var layout = new Dictionary<string, object>
        {
            ["margin"] = new { l = 60, r = Y2Title is null ? 16 : 60, t = Title is null ? 12 : 36, b = 40 },
            ["xaxis"] = new { title = new { text = XTitle }, zeroline = false, automargin = true },
            ["yaxis"] = new { title = new { text = YTitle ?? "" }, type = LogY ? "log" : "linear", zeroline = false, automargin = true, exponentformat = "power" },
            ["legend"] = LegendRight
                ? new { orientation = "v", x = 1.02, xanchor = "left", y = 1, yanchor = "top" }
                : new { orientation = "h", x = 1, xanchor = "right", y = 1.02, yanchor = "bottom" },
            ["showlegend"] = true,
            ["hovermode"] = "x",
        };
        if (Title is not null) layout["title"] = new { text = Title, x = 0.01, xanchor = "left", font = new { size = 14 } };
        if (Y2Title is not null)
        {
            layout["yaxis2"] = new { title = new { text = Y2Title }, overlaying = "y", side = "right", zeroline = false, showgrid = false, automargin = true };
        }
        return layout;
    }

    private void ScheduleFlush()
    {
        lock (_gate)
        {
            if (_flushScheduled || !_created || _disposed.IsCancellationRequested) return;
            _flushScheduled = true;
        }
        _ = FlushLoopAsync();
    }

    /// <summary>One loop per chart at a time: waits, sends what is new, and stops once the browser holds everything.</summary>
    private async Task FlushLoopAsync()
    {
        try
        {
            var delay = FlushInterval;
            while (true)
            {
                await Task.Delay(delay, _disposed.Token);
                Batch batch;
                lock (_gate)
                {
                    batch = TakeBatch();
                    if (batch.IsEmpty)
                    {
                        _flushScheduled = false;
                        return;
                    }
                }
                delay = await SendAsync(batch) ? FlushInterval : RetryDelay;
            }
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Logger.LogWarning(ex, "Chart {Chart} stopped updating.", TestId);
            lock (_gate) _flushScheduled = false;
        }
    }

    // Call under _gate.
    private Batch TakeBatch()
    {
        var added = new List<object>();
        for (var i = _clientTraces; i < _series.Count; i++) added.Add(new { index = i, series = _series[i].Spec });
        var replace = _replace;
        var series = new List<object>();
        for (var i = 0; i < _series.Count; i++)
        {
            var s = _series[i];
            var start = replace ? 0 : s.Confirmed;
            var count = replace ? s.X.Count : Math.Min(s.X.Count - start, MaxPointsPerCall);
            if (count <= 0 && !replace) continue;
            series.Add(new { index = i, start, x = s.X.GetRange(start, count).ToArray(), y = s.Y.GetRange(start, count).ToArray() });
        }
        _replace = false;
        return new Batch(added, series, replace);
    }

    private async Task<bool> SendAsync(Batch batch)
    {
        int[]? lengths;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
            timeout.CancelAfter(CallTimeout);
            lengths = await _module!.InvokeAsync<int[]?>("append", timeout.Token, _element, new { added = batch.Added, series = batch.Series, replace = batch.Replace });
        }
        catch (Exception ex) when (ex is JSException or JSDisconnectedException or OperationCanceledException && !_disposed.IsCancellationRequested)
        {
            // Lost or refused: nothing is marked as sent, so the next round sends it again (a replace included).
            if (batch.Replace) lock (_gate) _replace = true;
            return false;
        }

        if (lengths is null) return false;
        var first = false;
        var progress = batch.Replace;
        lock (_gate)
        {
            progress |= lengths.Length > _clientTraces;
            _clientTraces = Math.Max(_clientTraces, lengths.Length);
            for (var i = 0; i < lengths.Length && i < _series.Count; i++)
            {
                var confirmed = Math.Min(lengths[i], _series[i].X.Count);
                progress |= confirmed > _series[i].Confirmed;
                _series[i].Confirmed = confirmed;
            }
            if (!_hasPoints && lengths.Any(l => l > 0)) first = _hasPoints = true;
        }
        if (first) await InvokeAsync(StateHasChanged);
        // An answer that took nothing (the browser reports a gap) is retried calmly, not in a tight loop.
        return progress;
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        if (_module is not null)
        {
            try
            {
                await _module.InvokeVoidAsync("dispose", _element);
                await _module.DisposeAsync();
            }
            catch (Exception ex) when (ex is JSDisconnectedException or OperationCanceledException or JSException)
            {
                // The browser is gone or the page left; nothing to clean up there.
            }
        }
    }

    private sealed class SeriesData(LiveSeries spec)
    {
        public LiveSeries Spec { get; } = spec;

        public List<double> X { get; } = [];

        public List<double?> Y { get; } = [];

        /// <summary>How many leading points the browser holds.</summary>
        public int Confirmed { get; set; }
    }

    private sealed record Batch(List<object> Added, List<object> Series, bool Replace)
    {
        public bool IsEmpty => Added.Count == 0 && Series.Count == 0 && !Replace;
    }
}
