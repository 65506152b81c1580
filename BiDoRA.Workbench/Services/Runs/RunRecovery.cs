using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Events;
using BiDoRA.Workbench.Services.Storage;

namespace BiDoRA.Workbench.Services.Runs;

/// <summary>
/// Before anything else starts: a run still marked Running was cut off when the process died, so it becomes
/// Interrupted and can be resumed from its last checkpoint. A process killed outright (power, kill -9, the kernel's
/// OOM killer) can leave the record a batch behind its stored events, and the newest checkpoint on disk ahead of
/// both; the record is brought in line with what was really kept, so it names the checkpoint a resume will use.
/// </summary>
internal sealed class RunRecovery(IRunStore runs, IRunEventStore events, ILogger<RunRecovery> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        foreach (var run in runs.ListByStatus(RunStatus.Running))
        {
            var recovered = runs.Update(run.Id, r =>
            {
                var stored = RunEventWriter.Summarise(r, events.Read(r.Id, r.LastSequence));
                var checkpoint = RunFolder.LatestCheckpoint(r.Plan.OutputDirectory) is { } latest
                    ? new RunCheckpoint(latest.Step, latest.Path, new DateTimeOffset(Directory.GetLastWriteTimeUtc(latest.Path), TimeSpan.Zero))
                    : null;
                if (events.Read(r.Id, Math.Max(0, stored.LastSequence - 1)).LastOrDefault()?.Event is RunCompleted completed)
                {
                    // Died between storing the run's last event and marking it: it finished, and a resume would repeat its end.
                    return stored with
                    {
                        Status = RunStatus.Completed,
                        EndedAt = completed.Time,
                        CancelRequested = false,
                        LastCheckpoint = checkpoint ?? stored.LastCheckpoint,
                        FinalMetrics = completed.TestMetrics,
                        Error = null,
                    };
                }
                return stored with
                {
                    Status = RunStatus.Interrupted,
                    EndedAt = DateTimeOffset.UtcNow,
                    CancelRequested = false,
                    LastCheckpoint = checkpoint,
                    Error = "The workbench stopped while this run was training. Resume continues from the last checkpoint"
                        + (checkpoint is { } c ? $" (step {c.Step})." : "; none was saved, so it starts over."),
                };
            });
            logger.LogWarning("Run {RunId} was running when the workbench stopped; marked {Status} (last checkpoint: step {Step}).",
                run.Id, recovered?.Status, recovered?.LastCheckpoint?.Step);
        }
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
