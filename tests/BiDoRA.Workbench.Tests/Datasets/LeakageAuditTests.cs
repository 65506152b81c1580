using System.Net;
using System.Net.Http.Json;
using System.Text;
using BiDoRA.Workbench.Components.Datasets;
using BiDoRA.Workbench.Services.Datasets;
using BiDoRA.Workbench.Tests.Infrastructure;
using Bunit;
using MudBlazor.Services;

namespace BiDoRA.Workbench.Tests.Datasets;

/// <summary>
/// The leakage audit of an upload with a split column, through real MMseqs2 (installed by .ci/run): planted
/// near-duplicates of training sequences in the test split are found and named on the Datasets page; without
/// MMseqs2 the page says how to install it and the upload stays as it was.
/// </summary>
public sealed class LeakageAuditTests
{
    private const string Alphabet = "ACDEFGHIKLMNPQRSTVWY";

    /// <summary>12 unrelated 40-residue training sequences; a test split of 4 near-copies (1–2 substitutions) of the first four and 6 unrelated sequences.</summary>
    private static (byte[] Csv, IReadOnlyList<string> Planted) Planted()
    {
        var random = new Random(11);
        string Random40() => new(Enumerable.Range(0, 40).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());
        var train = Enumerable.Range(0, 12).Select(_ => Random40()).ToList();
        var csv = new StringBuilder("id,sequence,label,split\n");
        for (var i = 0; i < train.Count; i++) csv.Append($"train{i},{train[i]},{i % 2},train\n");
        var planted = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var chars = train[i].ToCharArray();
            for (var m = 0; m <= i % 2; m++) chars[7 + 17 * m] = chars[7 + 17 * m] == 'W' ? 'Y' : 'W';
            csv.Append($"near{i},{new string(chars)},{i % 2},test\n");
            planted.Add($"near{i}");
        }
        for (var i = 0; i < 6; i++) csv.Append($"new{i},{Random40()},{i % 2},test\n");
        return (Encoding.UTF8.GetBytes(csv.ToString()), planted);
    }

    [Fact]
    public async Task Audit_finds_the_planted_near_duplicates_and_the_page_warns()
    {
        await using var server = await WorkbenchServer.StartAsync();
        var (csv, planted) = Planted();
        var dataset = await server.ImportAsync("planted.csv", csv);
        Assert.Equal((12, 10), (dataset.TrainRows, dataset.TestRows));

        var audit = await WaitForAuditAsync(server, dataset.Id);
        Assert.True(audit.Status == LeakageAuditStatus.Completed, audit.Message);
        Assert.Equal((12, 10), (audit.TrainSequences, audit.TestSequences));
        Assert.Equal(0.9, audit.Threshold);
        Assert.Equal(4, audit.AtOrAbove);
        Assert.Equal(planted.Order(), audit.Closest.Take(4).Select(c => c.TestId).Order());
        Assert.All(audit.Closest.Take(4), c => Assert.InRange(c.Identity, 0.94, 1.0));   // 38–39 of 40 residues
        Assert.All(audit.Closest.Skip(4), c => Assert.True(c.Identity < 0.5, $"{c.TestId}: {c.Identity}"));
        Assert.Equal(10, audit.Histogram.Sum(b => b.Count));
        Assert.Equal(4, audit.Histogram[^1].Count);
        Assert.StartsWith("4 of 10 test sequences (40 %) have a training sequence with ≥ 90 % identity", audit.Warning);

        // Another threshold counts again without searching again; a bad one is refused.
        var strict = (await server.Http.GetFromJsonAsync<LeakageAuditView>($"/api/datasets/{dataset.Id}/audit?threshold=0.3", WorkbenchClient.Json))!;
        Assert.Equal(0.3, strict.Threshold);
        Assert.Equal(strict.Closest.Count(c => c.Identity >= 0.3), strict.AtOrAbove);
        Assert.Equal(audit.Histogram, strict.Histogram);
        using var bad = await server.Http.GetAsync($"/api/datasets/{dataset.Id}/audit?threshold=1.5");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        // The audit is stored with the dataset record.
        var stored = (await server.Http.GetFromJsonAsync<DatasetRecord>($"/api/datasets/{dataset.Id}", WorkbenchClient.Json))!;
        Assert.Equal(LeakageAuditStatus.Completed, stored.Audit!.Status);
        Assert.Equal(10, stored.Audit.NearestIdentity.Count);

        await using var context = Page(server);
        var panel = context.Render<LeakageAuditPanel>(p => p.Add(x => x.DatasetId, dataset.Id));
        Assert.Contains("4 of 10 test sequences (40 %) have a training sequence with ≥ 90 % identity", panel.Find("[data-testid=leakage-warning]").TextContent);
        Assert.Equal(10, panel.FindAll(".identity-bin").Count);
        Assert.Single(panel.FindAll(".identity-bin.leaky"));
        Assert.Equal("4", panel.FindAll(".identity-bin")[^1].QuerySelector(".identity-count")!.TextContent);
    }

    [Fact]
    public async Task Without_mmseqs_the_upload_stays_intact_and_the_page_says_how_to_install_it()
    {
        var missing = Path.Combine(Path.GetTempPath(), "bidora-tests", "no-such-mmseqs", "mmseqs");
        await using var server = await WorkbenchServer.StartAsync(configuration: new Dictionary<string, string?> { ["Workbench:MmseqsPath"] = missing });
        var (csv, _) = Planted();
        var dataset = await server.ImportAsync("planted.csv", csv);

        var audit = await WaitForAuditAsync(server, dataset.Id);
        Assert.Equal(LeakageAuditStatus.Unavailable, audit.Status);
        Assert.Contains("The split is unaudited", audit.Message);
        Assert.Contains("apt-get install mmseqs2", audit.Message);
        Assert.Contains(missing, audit.Message);
        Assert.Null(audit.Warning);

        // The upload is stored and readable as it was.
        var rows = await server.RowsAsync(dataset.Id);
        Assert.Equal(22, rows.Total);
        Assert.Equal(10, rows.Rows.Count(r => r.Split == "test"));
        Assert.Equal(dataset.ContentHash, (await server.ListDatasetsAsync()).Single().ContentHash);

        await using var context = Page(server);
        var panel = context.Render<LeakageAuditPanel>(p => p.Add(x => x.DatasetId, dataset.Id));
        var message = panel.Find("[data-testid=leakage-unaudited]").TextContent;
        Assert.Contains("apt-get install mmseqs2", message);
        Assert.Contains("unaudited", message);
    }

    [Fact]
    public async Task A_running_audit_can_be_cancelled_and_started_again()
    {
        await using var server = await WorkbenchServer.StartAsync();
        // Enough test sequences that the audit runs in several slices.
        var random = new Random(3);
        var csv = new StringBuilder("id,sequence,label,split\n");
        for (var i = 0; i < 600; i++)
        {
            var sequence = new string(Enumerable.Range(0, 60).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());
            csv.Append($"r{i},{sequence},{i % 2},{(i < 200 ? "train" : "test")}\n");
        }
        var dataset = await server.ImportAsync("many.csv", Encoding.UTF8.GetBytes(csv.ToString()));
        using var cancelled = await server.Http.PostAsync($"/api/datasets/{dataset.Id}/audit/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        var audit = await WaitForAuditAsync(server, dataset.Id);
        Assert.Equal(LeakageAuditStatus.Cancelled, audit.Status);
        Assert.Contains("unaudited", audit.Message);

        using var again = await server.Http.PostAsync($"/api/datasets/{dataset.Id}/audit", null);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        audit = await WaitForAuditAsync(server, dataset.Id);
        Assert.Equal(LeakageAuditStatus.Completed, audit.Status);
        Assert.Equal(400, audit.TestSequences);
        Assert.Equal(400, audit.Histogram.Sum(b => b.Count));
        Assert.Equal(0, audit.AtOrAbove);
    }

    private static BunitContext Page(WorkbenchServer server)
    {
        var context = new BunitContext();
        context.Services.AddMudServices();
        context.Services.AddFallbackServiceProvider(server.Services);
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        return context;
    }

    private static async Task<LeakageAuditView> WaitForAuditAsync(WorkbenchServer server, string datasetId)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (true)
        {
            var view = (await server.Http.GetFromJsonAsync<LeakageAuditView>($"/api/datasets/{datasetId}/audit", WorkbenchClient.Json))!;
            if (view.Status is not (null or LeakageAuditStatus.Running)) return view;
            if (limit.IsCancellationRequested) Assert.Fail($"The audit of {datasetId} is still {view.Status}.");
            await Task.Delay(100, CancellationToken.None);
        }
    }
}
