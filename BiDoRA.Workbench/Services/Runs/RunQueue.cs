using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Events;
using BiDoRA.Workbench.Services.Storage;

namespace BiDoRA.Workbench.Services.Runs;

/// <summary>
/// The persistent run queue: queued runs live in the database and start first-in first-out, one at a time (this
/// machine trains on one device), on a worker thread of their own; request threads only enqueue, cancel and resume.
/// </summary>
internal sealed class RunQueue : BackgroundService
{
    private readonly IRunStore _runs;
    private readonly RunEventHub _events;
    private readonly IRunExecutor _executor;
    private readonly ILogger<RunQueue> _logger;
    private readonly SemaphoreSlim _wake = new(0);

    // Taking the next run and cancelling a queued one must not interleave, or a cancelled run could still start.
    private readonly Lock _gate = new();
    private ActiveRun? _active;

    public RunQueue(IRunStore runs, RunEventHub events, IRunExecutor executor, ILogger<RunQueue> logger)
    {
        _runs = runs;
        _events = events;
        _executor = executor;
        _logger = logger;
    }

    /// <summary>The id of the run training now, if any.</summary>
    public string? ActiveRunId
    {
        get
        {
            lock (_gate) return _active?.RunId;
        }
    }

    /// <summary>Stores <paramref name="draft"/> as Queued at the end of the queue.</summary>
    public RunRecord Enqueue(RunRecord draft)
    {
        RunRecord queued;
        lock (_gate)
        {
            var now = DateTimeOffset.UtcNow;
            queued = _runs.Insert(draft with
            {
                Status = RunStatus.Queued,
                QueueTicket = _runs.NextTicket(),
                CreatedAt = draft.CreatedAt == default ? now : draft.CreatedAt,
                QueuedAt = now,
            });
        }
        _events.PublishStatus(queued);
        _wake.Release();
        return queued;
    }

    /// <summary>A queued run is cancelled at once; a running one is asked to stop and ends Cancelled.</summary>
    public RunCommandResult Cancel(string runId)
    {
        RunCommandResult result;
        lock (_gate)
        {
            var run = _runs.Get(runId);
            if (run is null) return new(RunCommandOutcome.NotFound, null, $"Run '{runId}' does not exist.");
            if (run.Status == RunStatus.Queued)
            {
                var cancelled = _runs.Update(runId, r => r with { Status = RunStatus.Cancelled, EndedAt = DateTimeOffset.UtcNow, Error = "Cancelled before it started." })!;
                _events.Publish(runId, new RunCancelled(cancelled.Progress?.Step ?? 0, cancelled.LastCheckpoint?.Path));
                result = new(RunCommandOutcome.Accepted, cancelled);
            }
            else if (run.Status == RunStatus.Running && _active is { } active && active.RunId == runId)
            {
                active.Cancellation.Cancel();
                result = new(RunCommandOutcome.Accepted, _runs.Update(runId, r => r with { CancelRequested = true }));
            }
            else
            {
                return new(RunCommandOutcome.Conflict, run, $"Run '{runId}' is {run.Status}; only queued or running runs can be cancelled.");
            }
        }
        _events.PublishStatus(result.Run!);
        return result;
    }

    /// <summary>Puts an interrupted, cancelled or failed run back at the end of the queue, to continue from its last checkpoint.</summary>
    public RunCommandResult Resume(string runId)
    {
        RunRecord resumed;
        lock (_gate)
        {
            var run = _runs.Get(runId);
            if (run is null) return new(RunCommandOutcome.NotFound, null, $"Run '{runId}' does not exist.");
            if (!run.Status.IsResumable())
            {
                return new(RunCommandOutcome.Conflict, run, $"Run '{runId}' is {run.Status}; only interrupted, cancelled or failed runs can be resumed.");
            }
            resumed = _runs.Update(runId, r => r with
            {
                Status = RunStatus.Queued,
                QueueTicket = _runs.NextTicket(),
                QueuedAt = DateTimeOffset.UtcNow,
                EndedAt = null,
                Resume = true,
                CancelRequested = false,
                Error = null,
            })!;
        }
        _events.PublishStatus(resumed);
        _wake.Release();
        return new(RunCommandOutcome.Accepted, resumed);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var (run, active) = TakeNext(stoppingToken);
            if (run is null || active is null)
            {
                // The timeout is a safety net only; enqueue and resume wake the loop at once.
                try
                {
                    await _wake.WaitAsync(TimeSpan.FromSeconds(5), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                continue;
            }

            try
            {
                await RunOneAsync(run, active, stoppingToken);
            }
            finally
            {
                lock (_gate) _active = null;
                active.Dispose();
            }
        }
    }

    private (RunRecord? Run, ActiveRun? Active) TakeNext(CancellationToken stoppingToken)
    {
        RunRecord? started;
        ActiveRun? active;
        lock (_gate)
        {
            var next = _runs.NextQueued();
            if (next is null) return (null, null);
            started = _runs.Update(next.Id, r => r with
            {
                Status = RunStatus.Running,
                StartedAt = DateTimeOffset.UtcNow,
                EndedAt = null,
                Attempts = r.Attempts + 1,
                CancelRequested = false,
                Error = null,
            });
            if (started is null) return (null, null);
            active = new ActiveRun(started.Id, CancellationTokenSource.CreateLinkedTokenSource(stoppingToken));
            _active = active;
        }
        _events.PublishStatus(started);
        return (started, active);
    }

    private async Task RunOneAsync(RunRecord run, ActiveRun active, CancellationToken stoppingToken)
    {
        _logger.LogInformation("Run {RunId} ({Method}, {Model}) starts{Resume}.", run.Id, run.Plan.Method, run.Plan.Model, run.Resume ? " from its last checkpoint" : "");
        var reporter = new RunEventReporter(run.Id, _events, await ReplayOfAsync(run));
        RunStatus status;
        string? error = null;
        try
        {
            // A thread of its own: training is long and CPU-bound and must not starve the request thread pool.
            await Task.Factory.StartNew(
                () => _executor.ExecuteAsync(run, run.Resume, reporter, active.Cancellation.Token),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default).Unwrap();

            (status, error) = reporter.Terminal switch
            {
                RunFailed f => (RunStatus.Failed, f.Message),
                RunCancelled => stoppingToken.IsCancellationRequested ? (RunStatus.Interrupted, Stopped) : (RunStatus.Cancelled, null),
                _ => (RunStatus.Completed, null),
            };
        }
        catch (OperationCanceledException) when (active.Cancellation.IsCancellationRequested)
        {
            if (reporter.Terminal is null) reporter.Report(new RunCancelled(reporter.LastStep, reporter.LastCheckpointPath));
            (status, error) = stoppingToken.IsCancellationRequested ? (RunStatus.Interrupted, Stopped) : (RunStatus.Cancelled, null);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Run {RunId} failed.", run.Id);
            error = ex.Message;
            if (reporter.Terminal is null) reporter.Report(new RunFailed(ex.Message, reporter.LastStep == 0 ? null : reporter.LastStep));
            status = RunStatus.Failed;
        }

        try
        {
            await _events.FlushAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Storing the last events of run {RunId} failed.", run.Id);
        }

        var ended = _runs.Update(run.Id, r => r with
        {
            Status = status,
            EndedAt = DateTimeOffset.UtcNow,
            Error = error,
            CancelRequested = false,
            Resume = false,
            FinalMetrics = reporter.Terminal is RunCompleted c ? c.TestMetrics : r.FinalMetrics,
        });
        _logger.LogInformation("Run {RunId} ended {Status}.", run.Id, status);
        if (ended is not null) _events.PublishStatus(ended);
    }

    /// <summary>What of the stored events the attempt about to start will report again.</summary>
    private async Task<ResumeReplay> ReplayOfAsync(RunRecord run)
    {
        if (run.LastSequence == 0 && run.Attempts <= 1) return ResumeReplay.None;
        var stored = await _events.ReadAsync(run.Id, 0, long.MaxValue, CancellationToken.None);
        var replay = ResumeReplay.After(stored, _executor.ResumePoint(run, run.Resume));
        if (replay.UnrecordedCheckpoint is { } checkpoint) _events.Publish(run.Id, checkpoint);
        if (replay.Remaining > 0) _logger.LogInformation("Run {RunId} reports {Count} stored events again; they are not stored twice.", run.Id, replay.Remaining);
        return replay;
    }

    private const string Stopped = "The workbench stopped while this run was training. Resume continues from the last checkpoint.";

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    private sealed class ActiveRun(string runId, CancellationTokenSource cancellation) : IDisposable
    {
        public string RunId { get; } = runId;

        public CancellationTokenSource Cancellation { get; } = cancellation;

        public void Dispose() => Cancellation.Dispose();
    }
}
