using Microsoft.Extensions.Options;

namespace BiDoRA.Workbench.Services.Datasets;

/// <summary>
/// Gives a new workbench the three sample datasets, so a first start can train right away without any upload
/// (Workbench:SeedSamples turns it off).
/// </summary>
internal sealed class SampleSeeder(DatasetService datasets, IOptions<WorkbenchOptions> options, ILogger<SampleSeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.SeedSamples) return;
        try
        {
            await datasets.SeedSamplesAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            // Missing samples must not keep the workbench from starting; uploads still work.
            logger.LogWarning(e, "The sample datasets could not be added.");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
