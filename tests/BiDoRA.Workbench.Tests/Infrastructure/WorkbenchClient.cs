using System.Net.Http.Json;
using System.Text.Json;
using BiDoRA.Engine.Data;
using BiDoRA.Workbench.Api;
using BiDoRA.Workbench.Services;
using BiDoRA.Workbench.Services.Events;
using BiDoRA.Workbench.Services.Datasets;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;

namespace BiDoRA.Workbench.Tests.Infrastructure;

/// <summary>Calls a <see cref="WorkbenchServer"/> the way a script would, through HTTP.</summary>
internal static class WorkbenchClient
{
    public static JsonSerializerOptions Json => WorkbenchJson.Options;

    /// <summary>A small binary dataset, stored the way an import stores one.</summary>
    public static DatasetRecord AddDataset(this WorkbenchServer server, string name = "peptides")
    {
        var store = server.Services.GetRequiredService<DatasetStore>();
        var record = new DatasetRecord
        {
            Id = RecordId.New(),
            Name = name,
            FileName = name + ".csv",
            Format = "csv",
            Task = TaskKind.Binary,
            Rows = 4,
            Columns = ["sequence", "label"],
            SequenceColumn = "sequence",
            LabelColumn = "label",
            CreatedAt = DateTimeOffset.UtcNow,
        };
        return store.Add(record, stream =>
        {
            using var writer = new StreamWriter(stream);
            writer.Write("sequence,label\nACDEFGHIK,1\nLMNPQRST,0\nVWYACDE,1\nKLMNPQ,0\n");
        });
    }

    /// <summary>
    /// A dataset with these rows (a header line first), e.g. a sample's training file for the engine's real trainer.
    /// </summary>
    public static DatasetRecord AddCsvDataset(this WorkbenchServer server, string name, string csv, TaskKind task)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var columns = lines[0].Split(',');
        var record = new DatasetRecord
        {
            Id = RecordId.New(),
            Name = name,
            FileName = name + ".csv",
            Format = "csv",
            Task = task,
            Rows = lines.Length - 1,
            Columns = columns,
            SequenceColumn = columns[0],
            LabelColumn = columns[1],
            CreatedAt = DateTimeOffset.UtcNow,
        };
        return server.Services.GetRequiredService<DatasetStore>().Add(record, stream =>
        {
            using var writer = new StreamWriter(stream);
            writer.Write(string.Join('\n', lines) + "\n");
        });
    }

    /// <summary>The BBP sample's 198 training peptides (binary): enough for the tiny model to train for real.</summary>
    public static DatasetRecord AddBbpDataset(this WorkbenchServer server) =>
        server.AddCsvDataset("bbp", File.ReadAllText(Path.Combine(TestPaths.Samples, "bbp", "train.csv")), TaskKind.Binary);

    public static Task<RunRecord> CreateRunAsync(this WorkbenchServer server, string datasetId, object? extra = null) =>
        server.Http.CreateRunAsync(datasetId, extra);

    public static Task<RunRecord> GetRunAsync(this WorkbenchServer server, string runId) => server.Http.GetRunAsync(runId);

    public static Task<RunRecord> WaitForStatusAsync(this WorkbenchServer server, string runId, RunStatus status, TimeSpan? timeout = null) =>
        server.Http.WaitForStatusAsync(runId, status, timeout);

    public static async Task<RunRecord> CreateRunAsync(this HttpClient http, string datasetId, object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["datasetId"] = datasetId, ["steps"] = 5, ["seed"] = 1 };
        if (extra is not null)
        {
            foreach (var property in JsonSerializer.SerializeToElement(extra, Json).EnumerateObject())
            {
                body[property.Name] = property.Value;
            }
        }
        using var response = await http.PostAsJsonAsync("/api/runs", body, Json);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST /api/runs answered {(int)response.StatusCode}: {text}");
        return JsonSerializer.Deserialize<RunRecord>(text, Json)!;
    }

    public static async Task<RunRecord> GetRunAsync(this HttpClient http, string runId) =>
        (await http.GetFromJsonAsync<RunRecord>($"/api/runs/{runId}", Json))!;

    public static async Task<RunRecord> WaitForStatusAsync(this HttpClient http, string runId, RunStatus status, TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        RunRecord run;
        while ((run = await http.GetRunAsync(runId)).Status != status)
        {
            if (limit.IsCancellationRequested)
            {
                Assert.Fail($"Run {runId} stayed {run.Status} (error: {run.Error}) instead of becoming {status}.");
            }
            await Task.Delay(20, CancellationToken.None);
        }
        return run;
    }

    /// <summary>Every stored event of a run, read page by page through GET /api/runs/{id}/metrics.</summary>
    public static async Task<IReadOnlyList<RunEventEnvelope>> ReadEventsAsync(this HttpClient http, string runId)
    {
        var events = new List<RunEventEnvelope>();
        while (true)
        {
            var page = (await http.GetFromJsonAsync<RunsApi.RunEventsPage>($"/api/runs/{runId}/metrics?after={(events.Count > 0 ? events[^1].Sequence : 0)}", Json))!;
            events.AddRange(page.Events);
            if (!page.HasMore) return events;
        }
    }
}
