using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Design;

/// <summary>The design endpoints over HTTP against a completed run trained for real.</summary>
[Collection(nameof(DesignWorkbenchCollection))]
public sealed class DesignApiTests(DesignWorkbenchFixture workbench)
{
    private HttpClient Http => workbench.Server.Http;

    private const string Peptide = "GLFDIVKKVVGA";

    [Fact]
    public async Task Scan_answers_19_cells_per_position_as_JSON_and_CSV_and_matches_predict()
    {
        using var response = await Http.PostAsJsonAsync($"/api/runs/{workbench.RunId}/scan", new { sequence = Peptide });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var cells = json.RootElement.GetProperty("cells");
        Assert.Equal(19 * Peptide.Length, cells.GetArrayLength());
        var cell = cells[40];
        var mutant = Peptide[..(cell.GetProperty("position").GetInt32() - 1)] + cell.GetProperty("residue").GetString() + Peptide[cell.GetProperty("position").GetInt32()..];
        using var predicted = await Http.PostAsJsonAsync($"/api/runs/{workbench.RunId}/predict", new { sequences = new[] { mutant } });
        using var prediction = JsonDocument.Parse(await predicted.Content.ReadAsStringAsync());
        var p = prediction.RootElement.GetProperty("predictions")[0].GetProperty("probabilities").GetProperty("1").GetDouble();
        Assert.Equal(p, cell.GetProperty("score").GetDouble(), 1e-5);

        using var csv = await Http.PostAsJsonAsync($"/api/runs/{workbench.RunId}/scan?format=csv", new { sequence = Peptide, fixedPositions = "1-3" });
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).TrimEnd('\n').Split('\n');
        Assert.Equal(2 + 19 * (Peptide.Length - 3), lines.Length);
    }

    [Fact]
    public async Task Design_attributions_and_map_answer_and_bad_input_names_the_field()
    {
        using var design = await Http.PostAsJsonAsync($"/api/runs/{workbench.RunId}/design", new { sequence = Peptide, maxMutations = 2, beamWidth = 2 });
        Assert.Equal(HttpStatusCode.OK, design.StatusCode);
        using var designJson = JsonDocument.Parse(await design.Content.ReadAsStringAsync());
        Assert.Equal(4, designJson.RootElement.GetProperty("candidates").GetArrayLength());

        using var attribution = await Http.PostAsJsonAsync($"/api/runs/{workbench.RunId}/attributions", new { sequence = Peptide, steps = 16 });
        using var attributionJson = JsonDocument.Parse(await attribution.Content.ReadAsStringAsync());
        Assert.Equal(Peptide.Length, attributionJson.RootElement.GetProperty("attributions").GetArrayLength());
        var root = attributionJson.RootElement;
        Assert.Equal(root.GetProperty("sum").GetDouble() - (root.GetProperty("score").GetDouble() - root.GetProperty("baselineScore").GetDouble()),
            root.GetProperty("completenessError").GetDouble(), 1e-12);

        using var map = await Http.GetAsync($"/api/runs/{workbench.RunId}/embedding-map?datasetId={workbench.DatasetId}&format=csv");
        Assert.Equal(HttpStatusCode.OK, map.StatusCode);
        var rows = (await map.Content.ReadAsStringAsync()).TrimEnd('\n').Split('\n');
        Assert.Equal("id,sequence,label,split,base_pc1,base_pc2,tuned_pc1,tuned_pc2", rows[0]);
        Assert.Equal(198, rows.Length - 1);

        using var bad = await Http.PostAsJsonAsync($"/api/runs/{workbench.RunId}/scan", new { sequence = "GLF1", fixedPositions = "1" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadAsStringAsync();
        Assert.Contains("\"sequence\"", problem);
        Assert.Contains("Position 4", problem);
        using var unknown = await Http.PostAsJsonAsync("/api/runs/nope/scan", new { sequence = Peptide });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Variant_scores_report_Spearman_and_a_mismatch_names_the_variant()
    {
        using var response = await Http.PostAsJsonAsync("/api/variants/score",
            new { model = "tiny", sequence = "MKTAYIAKQR", variants = "mutant,DMS_score\nK2R,1\nT3S,2\nA4G,3\nI6V,4", method = "wildTypeMarginal" });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var json = JsonDocument.Parse(text);
        Assert.Equal(4, json.RootElement.GetProperty("scores").GetArrayLength());
        Assert.InRange(json.RootElement.GetProperty("spearman").GetDouble(), -1, 1);
        Assert.Equal(20 * 10, json.RootElement.GetProperty("cells").GetArrayLength());

        using var bad = await Http.PostAsJsonAsync("/api/variants/score", new { model = "tiny", sequence = "MKTAYIAKQR", variants = "K2R\nQ3S" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("Variant 'Q3S': the wild type has 'T' at position 3, not 'Q'.", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OpenAPI_documents_the_design_endpoints()
    {
        var document = await Http.GetStringAsync("/openapi/v1.json");
        foreach (var path in new[] { "/api/runs/{id}/scan", "/api/runs/{id}/design", "/api/runs/{id}/attributions", "/api/runs/{id}/embedding-map", "/api/variants/score" })
        {
            Assert.Contains($"\"{path}\"", document);
        }
    }
}
