using System.Text.Json;
using BiDoRA.Workbench.Components.Charts;
using BiDoRA.Workbench.Tests.Infrastructure;
using Microsoft.Playwright;

namespace BiDoRA.Workbench.Tests.Components;

/// <summary>
/// The run page's Plotly charts in Chromium, fed by a scripted run through the real event stream: every point
/// arrives, exactly once, also across a dropped connection, and the page logs no error (the CSP holds for Plotly).
/// </summary>
public sealed class LiveChartInBrowserTests : IAsyncLifetime
{
    private Browser _browser = null!;

    public async Task InitializeAsync() => _browser = await Browser.LaunchAsync();

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
    }

    [Fact]
    public async Task Plotly_is_served_from_the_app_itself()
    {
        await using var server = await WorkbenchServer.StartAsync();
        using var response = await server.Http.GetAsync("/" + PlotlyAssets.Script);
        Assert.True(response.IsSuccessStatusCode, $"GET {PlotlyAssets.Script} answered {(int)response.StatusCode}");
        Assert.Contains("plotly", (await response.Content.ReadAsStringAsync())[..2000], StringComparison.OrdinalIgnoreCase);
        using var module = await server.Http.GetAsync(PlotlyAssets.Module.TrimStart('.'));
        Assert.True(module.IsSuccessStatusCode);
    }

    [Fact]
    public async Task Ten_thousand_points_per_trace_reach_the_charts_and_follow_the_theme()
    {
        const int steps = 10_000;
        await using var server = await WorkbenchServer.StartAsync(executor: new ScriptedRunExecutor { Steps = steps, BiLevel = true, EvalEvery = 1000, HoldEveryRun = true });
        var run = await server.CreateRunAsync(server.AddDataset().Id, new { steps, method = "bidora", name = "ten thousand" });
        await server.Executor.WaitUntilStartedAsync(run.Id);
        var (page, errors) = await OpenAsync(server, $"/runs/{run.Id}");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "ten thousand" })).ToBeVisibleAsync();

        server.Executor.Release(run.Id);
        await WaitForLengthsAsync(page, "loss-chart", 3, steps);
        await WaitForLengthsAsync(page, "lr-chart", 2, steps);
        await WaitForLengthsAsync(page, "metrics-chart", 2, steps / 1000);

        var loss = await TracesAsync(page, "loss-chart");
        Assert.Equal(["lower loss (train)", "upper loss (validation)", "regulariser"], loss.Select(t => t.Name));
        foreach (var trace in loss.Concat(await TracesAsync(page, "lr-chart")))
        {
            Assert.Equal(Enumerable.Range(1, steps).Select(i => (double)i), trace.X);
        }
        Assert.Equal(1.0 / 7, loss[0].Y[6]!.Value, 12);
        Assert.Equal(1.5 / 7, loss[1].Y[6]!.Value, 12);
        var metrics = await TracesAsync(page, "metrics-chart");
        Assert.Equal(["accuracy", "mcc"], metrics.Select(t => t.Name));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => i * 1000.0), metrics[0].X);
        await Assertions.Expect(page.Locator("[data-testid=magnitude-chart] .main-svg").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-status]")).ToHaveAttributeAsync("data-status", "Completed", new() { Timeout = 30_000 });

        // The theme switch re-colours the existing charts (no redraw of the points).
        var lightFont = await FontColourAsync(page, "loss-chart");
        await page.Locator("[data-testid=theme-toggle]").ClickAsync();
        await page.WaitForFunctionAsync("([id, before]) => document.querySelector(`[data-testid=${id}]`).layout.font.color !== before", new object[] { "loss-chart", lightFont });
        Assert.Equal("rgba(255,255,255,0.85)", await FontColourAsync(page, "loss-chart"));
        Assert.Equal(steps, (await TracesAsync(page, "loss-chart"))[0].X.Length);

        await page.ScreenshotAsync(new() { Path = Path.Combine(Browser.ScreenshotsDirectory, "run-10000-points-dark.png"), FullPage = true });
        Assert.Empty(errors);
    }

    [Fact]
    public async Task A_page_opened_mid_run_and_a_dropped_connection_show_every_point_exactly_once()
    {
        const int steps = 1500;
        await using var server = await WorkbenchServer.StartAsync(executor: new ScriptedRunExecutor
        {
            Steps = steps, BiLevel = true, EvalEvery = 100, HoldEveryRun = true, StepDelay = TimeSpan.FromMilliseconds(10),
        });
        var run = await server.CreateRunAsync(server.AddDataset().Id, new { steps, method = "bidora", name = "mid-run" });
        await server.Executor.WaitUntilStartedAsync(run.Id);
        server.Executor.Release(run.Id);
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while ((await server.GetRunAsync(run.Id)).Progress is not { Step: >= 200 }) await Task.Delay(20, limit.Token);
        }

        var (page, errors) = await OpenAsync(server, $"/runs/{run.Id}");
        await page.WaitForFunctionAsync("() => { const el = document.querySelector('[data-testid=loss-chart]'); return el && el.data && el.data[0].x.length >= 200; }",
            null, new() { Timeout = 30_000 });
        var before = (await TracesAsync(page, "loss-chart"))[0].X.Length;
        Assert.True(before < steps, $"the run should still be training when the connection drops (chart has {before} points)");

        // Drop the circuit's connection; Blazor reconnects to the same circuit and the chart carries on.
        await page.EvaluateAsync("() => Blazor._internal.forceCloseConnection()");
        await Assertions.Expect(page.Locator("[data-status]")).ToHaveAttributeAsync("data-status", "Completed", new() { Timeout = 120_000 });
        await WaitForLengthsAsync(page, "loss-chart", 3, steps);
        await WaitForLengthsAsync(page, "lr-chart", 2, steps);
        await WaitForLengthsAsync(page, "metrics-chart", 2, steps / 100);

        foreach (var trace in (await TracesAsync(page, "loss-chart")).Concat(await TracesAsync(page, "lr-chart")))
        {
            Assert.Equal(Enumerable.Range(1, steps).Select(i => (double)i), trace.X);
        }
        Assert.Equal(Enumerable.Range(1, steps / 100).Select(i => i * 100.0), (await TracesAsync(page, "metrics-chart"))[0].X);

        // A second browser opening the finished run replays the same points once.
        var (second, secondErrors) = await OpenAsync(server, $"/runs/{run.Id}");
        await WaitForLengthsAsync(second, "loss-chart", 3, steps);
        Assert.Equal(Enumerable.Range(1, steps).Select(i => (double)i), (await TracesAsync(second, "loss-chart"))[1].X);
        Assert.DoesNotContain(errors, e => !IsForcedDisconnect(e));
        Assert.Empty(secondErrors);
    }

    // Closing the connection on purpose makes Blazor's client log that the connection went away; nothing else may appear.
    private static bool IsForcedDisconnect(string message) =>
        message.Contains("Connection disconnected", StringComparison.OrdinalIgnoreCase)
        || message.Contains("WebSocket closed", StringComparison.OrdinalIgnoreCase);

    private async Task<(IPage Page, List<string> Errors)> OpenAsync(WorkbenchServer server, string path)
    {
        var (page, errors) = await _browser.NewPageAsync();
        await page.GotoAsync(new Uri(server.BaseAddress, path).ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle, Timeout = 30_000 });
        return (page, errors);
    }

    private static async Task WaitForLengthsAsync(IPage page, string chart, int traces, int length)
    {
        try
        {
            await page.WaitForFunctionAsync(
                "([id, traces, length]) => { const el = document.querySelector(`[data-testid=${id}]`); return !!el && !!el.data && el.data.length === traces && el.data.every(t => t.x.length === length); }",
                new object[] { chart, traces, length },
                // A ceiling, not a speed test: under the full suite on 2 cores the 10,000-point run once took 51 s in all.
                new() { Timeout = 120_000, PollingInterval = 250 });
        }
        catch (TimeoutException)
        {
            var held = await page.EvaluateAsync<string>(
                "id => { const el = document.querySelector(`[data-testid=${id}]`); return el && el.data ? JSON.stringify(el.data.map(t => [t.name, t.x.length])) : 'no chart'; }", chart);
            Assert.Fail($"{chart} should hold {traces} traces of {length} points; it holds {held}.");
        }
    }

    private static async Task<Trace[]> TracesAsync(IPage page, string chart)
    {
        var json = await page.EvaluateAsync<string>(
            "id => JSON.stringify(document.querySelector(`[data-testid=${id}]`).data.map(t => ({ name: t.name, x: Array.from(t.x), y: Array.from(t.y) })))", chart);
        return JsonSerializer.Deserialize<Trace[]>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    private static Task<string> FontColourAsync(IPage page, string chart) =>
        page.EvaluateAsync<string>("id => document.querySelector(`[data-testid=${id}]`).layout.font.color", chart);

    private sealed record Trace(string Name, double[] X, double?[] Y);
}
