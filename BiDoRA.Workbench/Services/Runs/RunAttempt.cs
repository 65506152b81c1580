using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Events;
using BiDoRA.Workbench.Services.Storage;

namespace BiDoRA.Workbench.Services.Runs;

/// <summary>
/// One attempt at a run that is already marked Running, shared by the embedded queue and the cluster's worker job:
/// continues from the checkpoint without storing a step twice (<see cref="ResumeReplay"/>), trains on a thread of its
/// own, stores every event, and settles the run's final state.
/// </summary>
internal sealed class RunAttempt(IRunStore runs, RunEventHub events, IRunExecutor executor, ILogger<RunAttempt> logger)
{
    /// <param name="cancel">Fires on a cancel request and on shutdown.</param>
    /// <param name="stopping">True when <paramref name="cancel"/> fired because the process stops, not because a user cancelled.</param>
    /// <param name="whenStopped">What a run cut off by a shutdown becomes (Interrupted embedded; Queued in a cluster, where another worker takes it).</param>
    /// <param name="ownsRun">False when another process took the run over meanwhile (a lost lease); then its record is left to that one.</param>
    public async Task<RunRecord?> ExecuteAsync(RunRecord run, CancellationToken cancel, Func<bool> stopping, RunStatus whenStopped, Func<bool>? ownsRun = null)
    {
        logger.LogInformation("Run {RunId} ({Method}, {Model}) starts{Resume}.", run.Id, run.Plan.Method, run.Plan.Model, run.Resume ? " from its last checkpoint" : "");
        var reporter = new RunEventReporter(run.Id, events, await ReplayOfAsync(run));
        RunStatus status;
        string? error = null;
        try
        {
            // A thread of its own: training is long and CPU-bound and must not starve the request thread pool.
            await Task.Factory.StartNew(
                () => executor.ExecuteAsync(run, run.Resume, reporter, cancel),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default).Unwrap();

            (status, error) = reporter.Terminal switch
            {
                RunFailed f => (RunStatus.Failed, f.Message),
                RunCancelled => stopping() ? (whenStopped, Stopped) : (RunStatus.Cancelled, null),
                _ => (RunStatus.Completed, null),
            };
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            if (reporter.Terminal is null) reporter.Report(new RunCancelled(reporter.LastStep, reporter.LastCheckpointPath));
            (status, error) = stopping() ? (whenStopped, Stopped) : (RunStatus.Cancelled, null);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Run {RunId} failed.", run.Id);
            error = ex.Message;
            if (reporter.Terminal is null) reporter.Report(new RunFailed(ex.Message, reporter.LastStep == 0 ? null : reporter.LastStep));
            status = RunStatus.Failed;
        }

        try
        {
            await events.FlushAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Storing the last events of run {RunId} failed.", run.Id);
        }

        if (ownsRun is not null && !ownsRun())
        {
            logger.LogWarning("Run {RunId} was taken over by another worker; this attempt leaves its record alone.", run.Id);
            return null;
        }
        var ended = runs.Update(run.Id, r => r with
        {
            Status = status,
            EndedAt = status == RunStatus.Queued ? null : DateTimeOffset.UtcNow,
            Error = error,
            CancelRequested = false,
            // A run handed back to the queue continues from its checkpoint.
            Resume = status == RunStatus.Queued,
            FinalMetrics = reporter.Terminal is RunCompleted c ? c.TestMetrics : r.FinalMetrics,
        });
        logger.LogInformation("Run {RunId} ended {Status}.", run.Id, status);
        if (ended is not null) events.PublishStatus(ended);
        return ended;
    }

    /// <summary>What of the stored events the attempt about to start will report again.</summary>
    private async Task<ResumeReplay> ReplayOfAsync(RunRecord run)
    {
        events.Resync(run.Id);
        if (run.LastSequence == 0 && run.Attempts <= 1) return ResumeReplay.None;
        var stored = await events.ReadAsync(run.Id, 0, long.MaxValue, CancellationToken.None);
        var replay = ResumeReplay.After(stored, executor.ResumePoint(run, run.Resume));
        if (replay.UnrecordedCheckpoint is { } checkpoint) events.Publish(run.Id, checkpoint);
        if (replay.Remaining > 0) logger.LogInformation("Run {RunId} reports {Count} stored events again; they are not stored twice.", run.Id, replay.Remaining);
        return replay;
    }

    private const string Stopped = "The workbench stopped while this run was training. Resume continues from the last checkpoint.";
}
