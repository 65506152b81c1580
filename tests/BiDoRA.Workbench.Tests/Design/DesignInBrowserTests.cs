using System.Net.Http.Json;
using System.Text.Json;
using BiDoRA.Workbench.Tests.Infrastructure;
using Microsoft.Playwright;

namespace BiDoRA.Workbench.Tests.Design;

/// <summary>
/// Each design view in Chromium against a run trained for real: the numbers drawn in the plots (read back from
/// Plotly's own data) are the numbers the API answers. Screenshots go under the test output's screenshots/ folder.
/// </summary>
[Collection(nameof(DesignWorkbenchCollection))]
public sealed class DesignInBrowserTests(DesignWorkbenchFixture workbench)
{
    private const string Peptide = "GLFDIVKKVVGALGSL";

    private async Task<(IPage Page, List<string> Errors)> OpenAsync(string path)
    {
        var (page, errors) = await workbench.Browser.NewPageAsync(1440, 1000);
        page.SetDefaultTimeout(60_000);
        await page.GotoAsync(new Uri(workbench.Server.BaseAddress, path).ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle, Timeout = 60_000 });
        await Browser.WaitUntilInteractiveAsync(page);
        return (page, errors);
    }

    private static Task<JsonElement> PlotDataAsync(IPage page, string testId) =>
        page.EvaluateAsync<JsonElement>($"() => JSON.parse(JSON.stringify(document.querySelector('[data-testid={testId}]').data.map(t => ({{ x: t.x, y: t.y, z: t.z, name: t.name }}))))");

    private static async Task WaitForPlotAsync(IPage page, string testId) =>
        await page.WaitForFunctionAsync($"() => {{ const e = document.querySelector('[data-testid={testId}]'); return e && e.data && e.data.length > 0; }}", null, new() { Timeout = 60_000 });

    private static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.ScreenshotsDirectory, $"design-{name}.png"), FullPage = true });

    [Fact]
    public async Task Scan_view_draws_19_cells_per_position_plus_the_wild_type_and_the_attributions()
    {
        var (page, errors) = await OpenAsync($"/design?run={workbench.RunId}");
        await page.Locator("[data-testid=design-sequence]").FillAsync(Peptide);
        await page.Locator("[data-testid=design-scan]").ClickAsync();
        await WaitForPlotAsync(page, "scan-heatmap");
        await Assertions.Expect(page.Locator("[data-testid=scan-attribution] .attribution-residue")).ToHaveCountAsync(Peptide.Length, new() { Timeout = 60_000 });

        var traces = await PlotDataAsync(page, "scan-heatmap");
        var z = traces[0].GetProperty("z");
        var residues = traces[0].GetProperty("y").EnumerateArray().Select(e => e.GetString()!).ToList();
        var values = z.EnumerateArray().SelectMany(row => row.EnumerateArray()).Where(v => v.ValueKind == JsonValueKind.Number).Count();
        Assert.Equal(20 * Peptide.Length, values);
        Assert.Equal(Peptide.Length, traces[1].GetProperty("x").GetArrayLength());
        for (var p = 0; p < Peptide.Length; p++) Assert.Equal(0.0, z[residues.IndexOf(Peptide[p].ToString())][p].GetDouble());

        using var response = await workbench.Server.Http.PostAsJsonAsync($"/api/runs/{workbench.RunId}/scan", new { sequence = Peptide });
        using var scan = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var cells = scan.RootElement.GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal(19 * Peptide.Length, cells.Count);
        foreach (var cell in cells.Where((_, i) => i % 17 == 0))
        {
            var drawn = z[residues.IndexOf(cell.GetProperty("residue").GetString()!)][cell.GetProperty("position").GetInt32() - 1].GetDouble();
            Assert.Equal(cell.GetProperty("effect").GetDouble(), drawn, 1e-12);
        }
        await Assertions.Expect(page.Locator("[data-testid=scan-best] tbody tr")).ToHaveCountAsync(25);
        await Assertions.Expect(page.Locator("[data-testid=scan-attribution-error]")).Not.ToBeEmptyAsync();
        await ShotAsync(page, "scan");

        await page.Locator("[data-testid=design-rounds]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=design-candidates] tbody tr")).ToHaveCountAsync(3, new() { Timeout = 60_000 });
        await ShotAsync(page, "rounds");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Variants_view_draws_every_position_and_shows_Spearman()
    {
        var (page, errors) = await OpenAsync("/variants");
        await page.GetByRole(AriaRole.Button, new() { Name = "Use an example" }).ClickAsync();
        await page.Locator("[data-testid=variants-score]").ClickAsync();
        await WaitForPlotAsync(page, "variants-heatmap");
        var traces = await PlotDataAsync(page, "variants-heatmap");
        var z = traces[0].GetProperty("z");
        var residues = traces[0].GetProperty("y").EnumerateArray().Select(e => e.GetString()!).ToList();
        const string wt = "MKTAYIAKQRQISFVKSHFSRQ";
        Assert.Equal(20 * wt.Length, z.EnumerateArray().SelectMany(r => r.EnumerateArray()).Count(v => v.ValueKind == JsonValueKind.Number));

        using var response = await workbench.Server.Http.PostAsJsonAsync("/api/variants/score",
            new { model = "tiny", sequence = wt, variants = "mutant,DMS_score\nK2R,0.8\nT3S,0.3\nA4G:Y5F,-0.6\nI6V,0.5\nQ9E,-0.1\nR10K,0.9" });
        using var scoring = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        foreach (var cell in scoring.RootElement.GetProperty("cells").EnumerateArray().Where((_, i) => i % 13 == 0))
        {
            var drawn = z[residues.IndexOf(cell.GetProperty("residue").GetString()!)][cell.GetProperty("position").GetInt32() - 1].GetDouble();
            Assert.Equal(cell.GetProperty("effect").GetDouble(), drawn, 1e-12);
        }
        var rho = await page.Locator("[data-testid=variants-spearman]").GetAttributeAsync("data-rho");
        Assert.Equal(scoring.RootElement.GetProperty("spearman").GetDouble(), double.Parse(rho!, System.Globalization.CultureInfo.InvariantCulture), 1e-12);
        await Assertions.Expect(page.Locator("[data-testid=variants-table] tbody tr")).ToHaveCountAsync(6);
        await ShotAsync(page, "variants");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Embedding_map_draws_base_and_fine_tuned_side_by_side()
    {
        var (page, errors) = await OpenAsync($"/embedding-map?run={workbench.RunId}");
        await page.Locator("[data-testid=map-draw]").ClickAsync();
        await WaitForPlotAsync(page, "map-base");
        await WaitForPlotAsync(page, "map-tuned");
        var baseTraces = await PlotDataAsync(page, "map-base");
        var tunedTraces = await PlotDataAsync(page, "map-tuned");
        Assert.Equal(["label 0", "label 1"], baseTraces.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(198, baseTraces.EnumerateArray().Sum(t => t.GetProperty("x").GetArrayLength()));
        Assert.Equal(198, tunedTraces.EnumerateArray().Sum(t => t.GetProperty("x").GetArrayLength()));

        using var map = JsonDocument.Parse(await workbench.Server.Http.GetStringAsync($"/api/runs/{workbench.RunId}/embedding-map?datasetId={workbench.DatasetId}"));
        var points = map.RootElement.GetProperty("points").EnumerateArray().ToList();
        var labelOne = points.Where(p => p.GetProperty("label").GetString() == "1").ToList();
        var drawnX = baseTraces[1].GetProperty("x").EnumerateArray().Select(v => v.GetDouble()).ToList();
        var drawnTunedY = tunedTraces[1].GetProperty("y").EnumerateArray().Select(v => v.GetDouble()).ToList();
        for (var i = 0; i < labelOne.Count; i++)
        {
            Assert.Equal(labelOne[i].GetProperty("baseX").GetDouble(), drawnX[i], 1e-12);
            Assert.Equal(labelOne[i].GetProperty("tunedY").GetDouble(), drawnTunedY[i], 1e-12);
        }
        await ShotAsync(page, "embedding-map");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Predict_page_colours_a_sequence_by_its_attributions()
    {
        var (page, errors) = await OpenAsync($"/predict?run={workbench.RunId}");
        await page.Locator("[data-testid=predict-text]").FillAsync($">p1\n{Peptide}\n>p2\nKWKLFKKIEKVGQNIR");
        await page.Locator("[data-testid=predict-run-button]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=predict-table] tbody tr")).ToHaveCountAsync(2);
        await page.Locator("[data-testid=predict-explain]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=predict-attribution] .attribution-residue")).ToHaveCountAsync(Peptide.Length, new() { Timeout = 60_000 });
        await WaitForPlotAsync(page, "predict-attribution-bars");
        var bars = await PlotDataAsync(page, "predict-attribution-bars");
        var drawn = bars[0].GetProperty("y").EnumerateArray().Select(v => v.GetDouble()).ToList();

        using var response = await workbench.Server.Http.PostAsJsonAsync($"/api/runs/{workbench.RunId}/attributions", new { sequence = Peptide });
        using var attribution = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var expected = attribution.RootElement.GetProperty("attributions").EnumerateArray().Select(v => v.GetDouble()).ToList();
        Assert.Equal(expected.Count, drawn.Count);
        for (var i = 0; i < expected.Count; i++) Assert.Equal(expected[i], drawn[i], 1e-12);
        var coloured = await page.Locator("[data-testid=predict-attribution] .attribution-residue").Nth(3).GetAttributeAsync("data-attribution");
        Assert.Equal(expected[3], double.Parse(coloured!, System.Globalization.CultureInfo.InvariantCulture), 1e-12);
        await ShotAsync(page, "predict-attributions");
        Assert.Empty(errors);
    }
}
