using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Design;

/// <summary>A workbench that trains for real, with one completed BBP run on the bundled tiny model, and a Chromium.</summary>
public sealed class DesignWorkbenchFixture : IAsyncLifetime
{
    internal WorkbenchServer Server { get; private set; } = null!;

    internal Browser Browser { get; private set; } = null!;

    public string RunId { get; private set; } = "";

    public string DatasetId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Server = await WorkbenchServer.StartWithTrainerAsync();
        var dataset = Server.AddBbpDataset();
        DatasetId = dataset.Id;
        var run = await Server.CreateRunAsync(dataset.Id, new { steps = 4, method = "lora", name = "design run" });
        await Server.WaitForStatusAsync(run.Id, RunStatus.Completed, TimeSpan.FromMinutes(3));
        RunId = run.Id;
        Browser = await Browser.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        await Server.DisposeAsync();
    }
}

/// <summary>
/// The design tests share one trained run and one browser. They train for real, so they run apart from the parallel
/// tests, like <see cref="RealTrainingCollection"/>.
/// </summary>
[CollectionDefinition(nameof(DesignWorkbenchCollection), DisableParallelization = true)]
public sealed class DesignWorkbenchCollection : ICollectionFixture<DesignWorkbenchFixture>;
