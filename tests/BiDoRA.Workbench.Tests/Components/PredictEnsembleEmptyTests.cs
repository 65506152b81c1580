using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BiDoRA.Workbench.Components.Pages;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Sweeps;
using BiDoRA.Workbench.Tests.Infrastructure;
using Bunit;
using Microsoft.AspNetCore.Components;

namespace BiDoRA.Workbench.Tests.Components;

/// <summary>The Predict page's ensemble choice for a sweep whose runs of the chosen method have not finished.</summary>
public sealed class PredictEnsembleEmptyTests : PageTests
{
    [Fact]
    public async Task A_sweep_without_finished_runs_of_the_method_says_so_and_cannot_predict()
    {
        var dataset = Server.AddDataset();
        // One finished run elsewhere, so the page offers its choices at all.
        var single = await Server.CreateRunAsync(dataset.Id, new { method = "lora" });
        Server.Executor.Release(single.Id);
        await Server.WaitForStatusAsync(single.Id, RunStatus.Completed);
        using var created = await Server.Http.PostAsJsonAsync("/api/sweeps", new
        {
            datasetId = dataset.Id,
            methods = new[] { "dora", "bidora" },
            seeds = new[] { 1, 2 },
            settings = new { model = "tiny", steps = 2 },
        });
        var text = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, text);
        var sweep = JsonSerializer.Deserialize<SweepDetails>(text, WorkbenchClient.Json)!;

        Context.Services.GetRequiredService<NavigationManager>().NavigateTo($"predict?sweep={sweep.Id}&method=bidora");
        var page = RenderPage<Predict>();
        var empty = page.Find("[data-testid=predict-ensemble-empty]").TextContent;
        Assert.Contains($"No bidora run of sweep '{sweep.Name}' has finished yet (2 runs queued, running or failed)", empty);
        Assert.Contains("an ensemble needs at least one", empty);
        Assert.True(page.Find("button[data-testid=predict-run-button]").HasAttribute("disabled"));

        // The ensemble API says the same.
        using var refused = await Server.Http.PostAsJsonAsync($"/api/sweeps/{sweep.Id}/predict", new { method = "bidora", sequences = new[] { "ACDEFGHIK" } });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
    }
}
