using System.Net.Http.Json;
using System.Text.Json;
using BiDoRA.Engine.Data;
using BiDoRA.Workbench.Services;
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

    public static async Task<RunRecord> CreateRunAsync(this WorkbenchServer server, string datasetId, object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["datasetId"] = datasetId, ["steps"] = 5, ["seed"] = 1 };
        if (extra is not null)
        {
            foreach (var property in JsonSerializer.SerializeToElement(extra, Json).EnumerateObject())
            {
                body[property.Name] = property.Value;
            }
        }
        using var response = await server.Http.PostAsJsonAsync("/api/runs", body, Json);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST /api/runs answered {(int)response.StatusCode}: {text}");
        return JsonSerializer.Deserialize<RunRecord>(text, Json)!;
    }

    public static async Task<RunRecord> GetRunAsync(this WorkbenchServer server, string runId) =>
        (await server.Http.GetFromJsonAsync<RunRecord>($"/api/runs/{runId}", Json))!;

    public static async Task<RunRecord> WaitForStatusAsync(this WorkbenchServer server, string runId, RunStatus status, TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        RunRecord run;
        while ((run = await server.GetRunAsync(runId)).Status != status)
        {
            if (limit.IsCancellationRequested)
            {
                Assert.Fail($"Run {runId} stayed {run.Status} (error: {run.Error}) instead of becoming {status}.");
            }
            await Task.Delay(20, CancellationToken.None);
        }
        return run;
    }
}
