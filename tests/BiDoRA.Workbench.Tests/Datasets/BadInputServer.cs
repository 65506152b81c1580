using System.Net;
using BiDoRA.Workbench.Services.Datasets;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Datasets;

/// <summary>
/// A workbench holding one saved dataset, with a 512 KB upload limit, for the bad-input tests: after every refused
/// upload the saved dataset must be byte for byte what it was, and the server must still answer.
/// </summary>
public sealed class BadInputServer : IAsyncLifetime
{
    public const long MaxUploadBytes = 512 * 1024;

    internal WorkbenchServer Server { get; private set; } = null!;

    internal DatasetRecord Saved { get; private set; } = null!;

    private string _savedJson = "";
    private string _savedRows = "";
    private byte[] _savedFile = [];

    public async Task InitializeAsync()
    {
        Server = await WorkbenchServer.StartAsync(configuration: new Dictionary<string, string?> { ["Workbench:MaxUploadBytes"] = MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        Saved = await Server.ImportAsync("bbp.csv", Uploads.Sample("bbp", "train.csv"));
        (_savedJson, _savedRows, _savedFile) = await SnapshotAsync();
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    internal int DatasetCount => Server.ListDatasetsAsync().GetAwaiter().GetResult().Count;

    /// <summary>The saved dataset is unchanged (record, rows, file) and the server keeps serving.</summary>
    internal async Task AssertSavedDataIntactAsync()
    {
        using var health = await Server.Http.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var (json, rows, file) = await SnapshotAsync();
        Assert.Equal(_savedJson, json);
        Assert.Equal(_savedRows, rows);
        Assert.Equal(_savedFile, file);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(Server.DataDirectory, "datasets"), "*.partial"));
    }

    private async Task<(string, string, byte[])> SnapshotAsync() =>
        (await Server.Http.GetStringAsync($"/api/datasets/{Saved.Id}"),
         await Server.Http.GetStringAsync($"/api/datasets/{Saved.Id}/rows?count=1000"),
         await File.ReadAllBytesAsync(Path.Combine(Server.DataDirectory, "datasets", Saved.Id + ".csv")));
}
