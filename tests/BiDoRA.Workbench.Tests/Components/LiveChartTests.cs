using System.Text.Json;
using BiDoRA.Workbench.Components.Charts;
using Bunit;
using Microsoft.JSInterop;
using MudBlazor.Services;

namespace BiDoRA.Workbench.Tests.Components;

/// <summary>
/// LiveChart's batching and resending, against bUnit's JS runtime standing in for the browser module (the browser
/// side runs for real in <see cref="LiveChartInBrowserTests"/>).
/// </summary>
public sealed class LiveChartTests : IAsyncLifetime
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private readonly BunitContext _context = new();
    private readonly BunitJSModuleInterop _module;

    public LiveChartTests()
    {
        _context.Services.AddMudServices();
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _module = _context.JSInterop.SetupModule(PlotlyAssets.Module);
        _module.Setup<int>("create", _ => true).SetResult(1);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [Fact]
    public async Task Points_go_in_batches_and_a_lost_batch_is_sent_again_from_the_last_confirmed_point()
    {
        // Each stand-in answers one shape of batch: the first is lost, the resend and the next are taken.
        var lost = _module.Setup<int[]?>("append", i => Shape(i) == "loss@0:1,2,3");
        var resent = _module.Setup<int[]?>("append", i => Shape(i) == "loss@0:1,2,3,4,5");
        resent.SetResult([5]);
        var next = _module.Setup<int[]?>("append", i => Shape(i) == "loss@5:6 upper loss@0:6");
        next.SetResult([6, 1]);

        var chart = Render();
        for (var step = 1; step <= 3; step++) chart.Instance.Append("loss", step, 1.0 / step);
        await CallsAsync(lost, 1);
        Assert.Equal(0.5, Batch(lost.Invocations.First()).Series[0].Y[1]);

        // The browser never answers (the connection dropped); two more points arrive meanwhile.
        chart.Instance.Append("loss", 4, 0.25);
        chart.Instance.Append("loss", 5, double.NaN);
        lost.SetException(new JSException("connection lost"));
        await CallsAsync(resent, 1);
        Assert.Null(Batch(resent.Invocations.First()).Series[0].Y[4]);

        chart.Instance.Append("loss", 6, 0.2);
        chart.Instance.Append("upper loss", 6, 0.3);
        await CallsAsync(next, 1);
        Assert.Equal("upper loss", Assert.Single(Batch(next.Invocations.First()).Added).Series.Name);
        Assert.Equal(6, chart.Instance.Count("loss"));
        // Nothing else was sent: no point went twice after it was confirmed.
        Assert.Equal(0, _context.JSInterop.Invocations.Count(i => i.Identifier == "append" && Shape(i) is not ("loss@0:1,2,3" or "loss@0:1,2,3,4,5" or "loss@5:6 upper loss@0:6")));
    }

    [Fact]
    public async Task Truncating_for_a_resumed_run_replaces_the_browser_copy()
    {
        var append = _module.Setup<int[]?>("append", _ => true);
        var chart = Render();
        for (var step = 1; step <= 4; step++) chart.Instance.Append("loss", step, step);
        await CallsAsync(append, 1);
        append.SetResult([4]);

        chart.Instance.TruncateFrom(3);
        chart.Instance.Append("loss", 3, 30);
        await CallsAsync(append, 2);
        var replace = Batch(append.Invocations.ElementAt(1));
        Assert.True(replace.Replace);
        Assert.Equal(0, replace.Series[0].Start);
        Assert.Equal([1.0, 2, 3], replace.Series[0].X);
        Assert.Equal(30, replace.Series[0].Y[2]);
    }

    // The chart calls the browser from its own timer, not from a render, so wait by polling. A planned result
    // answers every later call too, so later calls may follow; the tests read the calls in order.
    private static async Task CallsAsync(JSRuntimeInvocationHandler<int[]?> append, int count)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (append.Invocations.Count < count) await Task.Delay(10, limit.Token);
    }

    private IRenderedComponent<LiveChart> Render() =>
        _context.Render<LiveChart>(p => p
            .Add(c => c.TestId, "chart")
            .Add(c => c.FlushInterval, TimeSpan.FromMilliseconds(20))
            .Add(c => c.Series, [new LiveSeries("loss")]));

    /// <summary>"name@start:x,x series…", what a batch asks the browser to add.</summary>
    private static string Shape(JSRuntimeInvocation invocation)
    {
        var batch = Batch(invocation);
        string NameOf(int index) => index == 0 ? "loss" : batch.Added.FirstOrDefault(a => a.Index == index)?.Series.Name ?? $"#{index}";
        return string.Join(" ", batch.Series.Select(s => $"{NameOf(s.Index)}@{s.Start}:{string.Join(",", s.X)}"));
    }

    private static SentBatch Batch(JSRuntimeInvocation invocation) =>
        JsonSerializer.Deserialize<SentBatch>(JsonSerializer.Serialize(invocation.Arguments[1], Web), Web)!;

    private sealed record SentBatch(AddedSeries[] Added, SentSeries[] Series, bool Replace);

    private sealed record AddedSeries(int Index, LiveSeries Series);

    private sealed record SentSeries(int Index, int Start, double[] X, double?[] Y);
}
