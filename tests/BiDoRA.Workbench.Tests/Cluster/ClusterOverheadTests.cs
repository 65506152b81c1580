using System.Net.Http.Json;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Tests.Infrastructure;
using Xunit.Abstractions;

namespace BiDoRA.Workbench.Tests.Cluster;

/// <summary>
/// The same 200-step tiny run, embedded and on a cluster (one web node, one worker): a hub client receives every step
/// in order in both. What cluster mode costs (queue latency from enqueue to the first step; event latency from the
/// trainer to the client, p50 and p99) is reported, not asserted: timings are the benchmark's business.
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed class ClusterOverheadTests(ITestOutputHelper output)
{
    private const int Steps = 200;

    [Fact]
    public async Task A_200_step_run_reaches_a_hub_client_step_by_step_embedded_and_on_a_cluster()
    {
        var data = Path.Combine(Path.GetTempPath(), "bidora-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        try
        {
            await using (var embedded = await WorkbenchProcess.StartAsync(data, environment: new Dictionary<string, string> { ["BIDORA_THREADS"] = "1" }))
            {
                Report("embedded", await MeasureAsync(embedded.Http, embedded.BaseAddress));
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
        await using var cluster = await LocalCluster.StartAsync(webNodes: 1, workers: 1);
        Report("cluster", await MeasureAsync(cluster.Web(), cluster.WebNodes[0].BaseAddress));
    }

    private static async Task<(TimeSpan Queue, double[] Latencies)> MeasureAsync(HttpClient http, Uri baseAddress)
    {
        var datasets = await http.GetFromJsonAsync<List<Services.Datasets.DatasetRecord>>("/api/datasets", WorkbenchClient.Json);
        var dataset = datasets!.Single(d => d.Sample == "bbp");
        await using var client = await HubTestClient.ConnectAsync(baseAddress);
        var enqueued = DateTimeOffset.UtcNow;
        var run = await http.CreateRunAsync(dataset.Id, new { method = "lora", steps = Steps, batchSize = 8, evalEvery = 100, checkpointEvery = 50, seed = 11, device = "cpu" });
        await client.JoinAsync(run.Id, 0);
        await client.WaitForTerminalAsync(TimeSpan.FromMinutes(8));

        var all = client.Joined.Concat(client.Live).ToList();
        Assert.Equal(Enumerable.Range(1, all.Count).Select(i => (long)i), all.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(1, Steps), all.Select(e => e.Event).OfType<StepCompleted>().Select(s => s.Step));
        var firstStep = all.Select(e => e.Event).OfType<StepCompleted>().First().Time;
        var latencies = client.Live.Zip(client.LiveArrivals)
            .Where(p => p.First.Event is StepCompleted)
            .Select(p => (p.Second - p.First.Event.Time).TotalMilliseconds)
            .Order()
            .ToArray();
        Assert.True(latencies.Length > Steps / 2, $"only {latencies.Length} steps arrived live");
        var sizes = all.GroupBy(e => e.Event.GetType().Name)
            .Select(g => $"{g.Key} x{g.Count()} {g.Average(e => System.Text.Json.JsonSerializer.Serialize(e.Event, Services.WorkbenchJson.Options).Length):F0} B");
        var seconds = (all[^1].Event.Time - all[0].Event.Time).TotalSeconds;
        Log = $"{all.Count} rows in {seconds:F1} s ({all.Count / seconds:F1} events/s): {string.Join(", ", sizes)}";
        return (firstStep - enqueued, latencies);
    }

    private static string Log { get; set; } = "";

    private void Report(string mode, (TimeSpan Queue, double[] Latencies) m) =>
        output.WriteLine($"{mode}: enqueue -> first step {m.Queue.TotalMilliseconds:F0} ms; trainer -> client p50 {Percentile(m.Latencies, 0.50):F0} ms, p99 {Percentile(m.Latencies, 0.99):F0} ms over {m.Latencies.Length} live steps; {Log}");

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
