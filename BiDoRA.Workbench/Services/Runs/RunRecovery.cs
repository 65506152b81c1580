using BiDoRA.Workbench.Services.Storage;

namespace BiDoRA.Workbench.Services.Runs;

/// <summary>
/// Before anything else starts: a run still marked Running was cut off when the process died, so it becomes
/// Interrupted and can be resumed from its last checkpoint.
/// </summary>
internal sealed class RunRecovery(RunStore runs, ILogger<RunRecovery> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        foreach (var run in runs.ListByStatus(RunStatus.Running))
        {
            runs.Update(run.Id, r => r with
            {
                Status = RunStatus.Interrupted,
                EndedAt = DateTimeOffset.UtcNow,
                CancelRequested = false,
                Error = "The workbench stopped while this run was training. Resume continues from the last checkpoint"
                    + (r.LastCheckpoint is { } c ? $" (step {c.Step})." : "; none was saved, so it starts over."),
            });
            logger.LogWarning("Run {RunId} was running when the workbench stopped; marked Interrupted.", run.Id);
        }
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
