using BiDoRA.Workbench.Services.Datasets;
using BiDoRA.Workbench.Services.Events;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Integration;

/// <summary>
/// One real training shared by the end-to-end tests: the BBP sample's training file uploaded through the API, a
/// BiDoRA run on the bundled tiny model (10 steps, batch 8) trained by the engine, watched through SignalR.
/// </summary>
public sealed class TrainedRunFixture : IAsyncLifetime
{
    /// <summary>Small, so the limit is reachable in a test.</summary>
    public const int MaxPredictSequences = 50;

    internal WorkbenchServer Server { get; private set; } = null!;

    internal DatasetRecord Dataset { get; private set; } = null!;

    internal RunRecord Run { get; private set; } = null!;

    internal IReadOnlyList<RunEventEnvelope> Events { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Server = await WorkbenchServer.StartWithTrainerAsync(configuration: new Dictionary<string, string?>
        {
            ["Workbench:MaxPredictSequences"] = MaxPredictSequences.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        Dataset = await Server.ImportAsync("bbp-train.csv", Uploads.Sample("bbp", "train.csv"), new Dictionary<string, string> { ["name"] = "BBP upload" });

        await using var hub = await HubTestClient.ConnectAsync(Server.BaseAddress);
        var created = await Server.CreateRunAsync(Dataset.Id, new { model = "tiny", method = "bidora", steps = 10, batchSize = 8, evalEvery = 5, device = "cpu" });
        await hub.JoinAsync(created.Id, 0);
        await hub.WaitForTerminalAsync(TimeSpan.FromMinutes(3));
        Run = await Server.WaitForStatusAsync(created.Id, RunStatus.Completed, TimeSpan.FromSeconds(30));
        Events = [.. hub.Joined.Concat(hub.Live).OrderBy(e => e.Sequence)];
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
