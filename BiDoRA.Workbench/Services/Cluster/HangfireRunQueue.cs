using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Events;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;

namespace BiDoRA.Workbench.Services.Cluster;

/// <summary>
/// The queue of a cluster's web node: runs go into PostgreSQL and a Hangfire job per attempt goes to the run's queue,
/// where a worker on a GPU machine takes it. Nothing trains here. Cancel reaches the training worker through the run
/// record, which the worker watches.
/// </summary>
internal sealed class HangfireRunQueue(IRunStore runs, RunEventHub events, IBackgroundJobClient jobs, LiveQueues queues, ILogger<HangfireRunQueue> logger) : IRunQueue
{
    public string? ActiveRunId => null;

    public RunRecord Enqueue(RunRecord draft)
    {
        var now = DateTimeOffset.UtcNow;
        var queue = draft.Queue ?? queues.Default();
        var queued = runs.Insert(draft with
        {
            Status = RunStatus.Queued,
            QueueTicket = runs.NextTicket(),
            CreatedAt = draft.CreatedAt == default ? now : draft.CreatedAt,
            QueuedAt = now,
            Queue = queue,
        });
        Submit(queued);
        events.PublishStatus(queued);
        return queued;
    }

    public RunCommandResult Cancel(string runId)
    {
        var run = runs.Get(runId);
        if (run is null) return new(RunCommandOutcome.NotFound, null, $"Run '{runId}' does not exist.");
        var before = RunStatus.Queued;
        var changed = runs.Update(runId, r =>
        {
            // Decided under the row lock: a worker that takes the run meanwhile sees the cancel either way.
            before = r.Status;
            return r.Status switch
            {
                RunStatus.Queued => r with { Status = RunStatus.Cancelled, EndedAt = DateTimeOffset.UtcNow, Error = "Cancelled before it started.", CancelRequested = true },
                RunStatus.Running => r with { CancelRequested = true },
                _ => r,
            };
        })!;
        if (before is not (RunStatus.Queued or RunStatus.Running))
        {
            return new(RunCommandOutcome.Conflict, changed, $"Run '{runId}' is {changed.Status}; only queued or running runs can be cancelled.");
        }
        var wasQueued = before == RunStatus.Queued;
        if (wasQueued)
        {
            events.Resync(runId);
            events.Publish(runId, new RunCancelled(changed.Progress?.Step ?? 0, changed.LastCheckpoint?.Path));
        }
        events.PublishStatus(changed);
        return new(RunCommandOutcome.Accepted, changed);
    }

    public RunCommandResult Resume(string runId)
    {
        var run = runs.Get(runId);
        if (run is null) return new(RunCommandOutcome.NotFound, null, $"Run '{runId}' does not exist.");
        var resumable = false;
        var resumed = runs.Update(runId, r =>
        {
            resumable = r.Status.IsResumable();
            return resumable
                ? r with
                {
                    Status = RunStatus.Queued,
                    QueueTicket = runs.NextTicket(),
                    QueuedAt = DateTimeOffset.UtcNow,
                    EndedAt = null,
                    Resume = true,
                    CancelRequested = false,
                    Error = null,
                    Queue = r.Queue ?? queues.Default(),
                }
                : r;
        })!;
        if (!resumable)
        {
            return new(RunCommandOutcome.Conflict, resumed, $"Run '{runId}' is {resumed.Status}; only interrupted, cancelled or failed runs can be resumed.");
        }
        Submit(resumed);
        events.PublishStatus(resumed);
        return new(RunCommandOutcome.Accepted, resumed);
    }

    private void Submit(RunRecord run)
    {
        var id = run.Id;
        var job = jobs.Create(Job.FromExpression<RunJob>(j => j.ExecuteAsync(id, CancellationToken.None)), new EnqueuedState(run.Queue ?? ClusterOptions.KnownQueues[0]));
        logger.LogInformation("Run {RunId} queued on {Queue} as Hangfire job {Job}.", id, run.Queue, job);
    }
}
