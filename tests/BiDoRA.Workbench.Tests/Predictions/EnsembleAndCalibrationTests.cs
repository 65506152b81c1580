using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Workbench.Components.Pages;
using BiDoRA.Workbench.Services.Datasets;
using BiDoRA.Workbench.Services.Predictions;
using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Services.Sweeps;
using BiDoRA.Workbench.Tests.Infrastructure;
using Bunit;
using Microsoft.AspNetCore.Components;
using MudBlazor.Services;

namespace BiDoRA.Workbench.Tests.Predictions;

/// <summary>
/// A real sweep (lora and dora, two seeds, the bundled tiny model on the BBP sample with its test split): the Predict
/// page's ensemble against the members' own predictions, and the sweep report's ensemble ECE against the engine's
/// calibration of the members' test probabilities.
/// </summary>
public sealed class EnsembleAndCalibrationTests(EnsembleAndCalibrationTests.TrainedSweep trained) : IClassFixture<EnsembleAndCalibrationTests.TrainedSweep>, IAsyncLifetime
{
    private static readonly string[] Examples = ["GLFDIVKKVVGALGSL", "KWKLFKKIEKVGQNIRDGIIKAGPAVAVVGQATQIAK", "MKTAYIAKQRQISFVKSHFSRQ"];

    private readonly BunitContext _context = new();
    private WorkbenchServer Server => trained.Server;
    private SweepDetails Sweep => trained.Sweep;

    /// <summary>One sweep trained for all the tests of the class.</summary>
    public sealed class TrainedSweep : IAsyncLifetime
    {
        internal WorkbenchServer Server { get; private set; } = null!;

        public SweepDetails Sweep { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Server = await WorkbenchServer.StartWithTrainerAsync();
            var bbp = (await Server.Services.GetRequiredService<DatasetService>().AddSampleAsync("bbp"))!.Dataset!;
            using var created = await Server.Http.PostAsJsonAsync("/api/sweeps", new
            {
                datasetId = bbp.Id,
                methods = new[] { "lora", "dora" },
                seeds = new[] { 1, 2 },
                settings = new { model = "tiny", steps = 2, batchSize = 16, evalEvery = 2, checkpointEvery = 2, rank = 2, device = "cpu" },
            });
            var text = await created.Content.ReadAsStringAsync();
            Assert.True(created.StatusCode == HttpStatusCode.Created, text);
            var id = JsonSerializer.Deserialize<SweepDetails>(text, WorkbenchClient.Json)!.Id;
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(8));
            while (true)
            {
                Sweep = (await Server.Http.GetFromJsonAsync<SweepDetails>($"/api/sweeps/{id}", WorkbenchClient.Json))!;
                if (Sweep.Status is SweepStatus.Completed or SweepStatus.Incomplete) break;
                if (limit.IsCancellationRequested) Assert.Fail($"Sweep {id} is still {Sweep.Status}.");
                await Task.Delay(200, CancellationToken.None);
            }
            Assert.True(Sweep.Status == SweepStatus.Completed, string.Join("; ", Sweep.Runs.Select(r => $"{r.Method}/{r.Seed}: {r.Status} {r.Error}")));
        }

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }

    public Task InitializeAsync()
    {
        _context.Services.AddMudServices();
        _context.Services.AddFallbackServiceProvider(Server.Services);
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [Fact]
    public async Task Predict_page_ensemble_is_the_mean_and_sd_of_the_members_own_predictions()
    {
        var members = Sweep.Runs.Where(r => r.Method == "lora").Select(r => r.RunId).ToList();
        Assert.Equal(2, members.Count);
        var predictions = Server.Services.GetRequiredService<PredictionService>();
        var own = new List<RunPredictions>();
        foreach (var member in members) own.Add(await predictions.PredictAsync(member, Examples));

        _context.Services.GetRequiredService<NavigationManager>().NavigateTo($"predict?sweep={Sweep.Id}&method=lora");
        _context.Render<MudBlazor.MudPopoverProvider>();
        var page = _context.Render<Predict>();
        Assert.Contains("2 finished runs", page.Markup);
        page.FindAll("button").First(b => b.TextContent.Contains("Use example sequences", StringComparison.Ordinal)).Click();
        page.WaitForAssertion(() => Assert.Contains("3 sequences ready", page.Find("[data-testid=predict-valid]").TextContent));
        page.Find("button[data-testid=predict-run-button]").Click();
        page.WaitForAssertion(() => Assert.Contains("by an ensemble of 2 runs", page.Find("[data-testid=predict-ensemble-title]").TextContent), TimeSpan.FromMinutes(2));

        var classes = own[0].ClassNames!;
        var cells = page.FindAll("[data-testid=ensemble-probability]");
        Assert.Equal(Examples.Length * classes.Count, cells.Count);
        for (var i = 0; i < Examples.Length; i++)
        {
            foreach (var name in classes)
            {
                var values = own.Select(p => p.Predictions[i].Probabilities![name]).ToList();
                var mean = values.Average();
                var sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
                var cell = cells[i * classes.Count + classes.ToList().IndexOf(name)];
                Assert.Equal(name, cell.GetAttribute("data-class"));
                Assert.Equal(mean, double.Parse(cell.GetAttribute("data-mean")!, CultureInfo.InvariantCulture), 9);
                Assert.Equal(sd, double.Parse(cell.GetAttribute("data-sd")!, CultureInfo.InvariantCulture), 9);
            }
            var agreeing = own.Count(p => p.Predictions[i].Label == LabelOfMean(own, i, classes));
            Assert.Equal($"{agreeing} / 2", page.FindAll("[data-testid=ensemble-agreement]")[i].TextContent.Trim());
        }

        // The downloaded CSV carries the same numbers, as `predict --sweep` writes them.
        page.Find("button[data-testid=predict-download]").Click();
        page.WaitForAssertion(() => Assert.NotEmpty(_context.JSInterop.Invocations["bidoraWorkbench.download"]));
        var download = _context.JSInterop.Invocations["bidoraWorkbench.download"].Last();
        Assert.EndsWith("-lora-ensemble.csv", (string)download.Arguments[0]!);
        var lines = ((string)download.Arguments[1]!).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["id", "sequence", "predicted", .. classes.Select(c => "p_" + c), .. classes.Select(c => "sd_" + c), "agreement", "members"], lines[0].Split(','));
        Assert.Equal(Examples.Length + 1, lines.Length);
        var first = lines[1].Split(',');
        Assert.Equal("example_1", first[0]);
        Assert.Equal(own.Average(p => p.Predictions[0].Probabilities![classes[0]]), double.Parse(first[3], CultureInfo.InvariantCulture), 6);
        Assert.Equal("2", first[^1]);
    }

    [Fact]
    public async Task Sweep_report_has_each_methods_ensemble_ece_as_the_engine_computes_it()
    {
        using var response = await Server.Http.GetAsync($"/api/sweeps/{Sweep.Id}/report");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Calibration: ensembles and their members (test rows)", html);
        Assert.Contains("Reliability diagram", html);
        var paths = Server.Services.GetRequiredService<WorkbenchPaths>();
        foreach (var method in new[] { "lora", "dora" })
        {
            // The members' test probabilities from their predictions.csv, averaged per test row.
            var rows = Sweep.Runs.Where(r => r.Method == method)
                .SelectMany(r => File.ReadAllLines(Path.Combine(paths.RunFolder(r.RunId), "predictions.csv")).Skip(1).Select(l => l.Split(',')))
                .GroupBy(f => f[0]).ToList();
            Assert.Equal(38, rows.Count);   // the BBP sample's test split
            Assert.All(rows, g => Assert.Equal(2, g.Count()));
            var header = File.ReadAllLines(Path.Combine(paths.RunFolder(Sweep.Runs.First(r => r.Method == method).RunId), "predictions.csv"))[0].Split(',');
            var classes = header.Where(h => h.StartsWith("p_", StringComparison.Ordinal)).Select(h => h[2..]).ToList();
            var labels = rows.Select(g => classes.IndexOf(g.First()[2])).ToList();
            var means = rows.Select(g => (IReadOnlyList<double>)classes.Select((_, c) => g.Average(f => double.Parse(f[4 + c], CultureInfo.InvariantCulture))).ToList()).ToList();
            var expected = Calibration.Of(labels, means).ExpectedCalibrationError;

            var match = Regex.Match(html, $"data-ensemble-ece=\"{method}\">([0-9.]+)<");
            Assert.True(match.Success, $"no ensemble ECE for {method}");
            Assert.Equal(expected, double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), 6);
            Assert.Contains($"{method} ensemble of 2", html);
        }
        Assert.Contains("all scored on the same test split", html);
    }

    private static string LabelOfMean(IReadOnlyList<RunPredictions> own, int i, IReadOnlyList<string> classes) =>
        classes.OrderByDescending(c => own.Average(p => p.Predictions[i].Probabilities![c])).First();
}
