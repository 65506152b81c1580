using BiDoRA.Workbench.Services.Events;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using Microsoft.Extensions.Options;

namespace BiDoRA.Workbench.Services.Cluster;

/// <summary>
/// The Hangfire job that trains one run on a worker. Delivered at least once: a second delivery of the same run (a
/// job outliving its invisibility, a retry) waits for the lease instead of training alongside, and a delivery after
/// its worker died resumes from the last checkpoint once the dead worker's lease lapses.
/// </summary>
internal sealed class RunJob
{
    private readonly IRunStore _runs;
    private readonly RunLeases _leases;
    private readonly RunAttempt _attempt;
    private readonly RunEventHub _events;
    private readonly WorkerIdentity _worker;
    private readonly ClusterOptions _options;
    private readonly ILogger<RunJob> _logger;

    public RunJob(IRunStore runs, RunLeases leases, RunAttempt attempt, RunEventHub events, WorkerIdentity worker, IOptions<ClusterOptions> options, ILogger<RunJob> logger)
    {
        _runs = runs;
        _leases = leases;
        _attempt = attempt;
        _events = events;
        _worker = worker;
        _options = options.Value;
        _logger = logger;
    }

    /// <param name="shutdown">Hangfire's: fires when this worker stops; the job is then handed back to the queue.</param>
    public async Task ExecuteAsync(string runId, CancellationToken shutdown)
    {
        var lease = await AcquireAsync(runId, shutdown);
        if (lease is not { } attempt) return;
        var lost = false;
        try
        {
            var run = _runs.Get(runId);
            if (run is null || run.Status is not (RunStatus.Queued or RunStatus.Running)) return;
            if (run.Status == RunStatus.Queued && run.CancelRequested) return;
            // Running here means its previous worker died mid-run: continue from its checkpoint.
            var resume = run.Resume || run.Status == RunStatus.Running || run.Attempts > 0;
            var started = _runs.Update(runId, r => r with
            {
                Status = RunStatus.Running,
                StartedAt = DateTimeOffset.UtcNow,
                EndedAt = null,
                Attempts = r.Attempts + 1,
                Resume = resume,
                CancelRequested = false,
                Error = null,
                Worker = _worker.Name,
                Plan = _worker.Device == "auto" ? r.Plan : r.Plan with { Device = _worker.Device },
            })!;
            _events.PublishStatus(started);

            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
            using var watch = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
            var watching = WatchAsync(runId, attempt, cancel, () => lost = true, watch.Token);
            try
            {
                await _attempt.ExecuteAsync(started, cancel.Token, () => shutdown.IsCancellationRequested, RunStatus.Queued, () => !lost);
            }
            finally
            {
                await watch.CancelAsync();
                await watching;
            }
        }
        finally
        {
            if (!lost) TryRelease(runId, attempt);
        }
        // Handed back: Hangfire re-queues a job cancelled by shutdown, and the next worker continues the run.
        shutdown.ThrowIfCancellationRequested();
    }

    /// <summary>Waits while another live attempt holds the run; null when the run ended meanwhile or this worker stops.</summary>
    private async Task<Guid?> AcquireAsync(string runId, CancellationToken shutdown)
    {
        var said = false;
        while (true)
        {
            if (_leases.TryAcquire(runId, _worker.Name, _options.LeaseDuration) is { } attempt) return attempt;
            var run = _runs.Get(runId);
            if (run is null || run.Status.IsFinal())
            {
                _logger.LogInformation("Run {RunId} ended while this delivery of its job waited; nothing to do.", runId);
                return null;
            }
            if (!said)
            {
                _logger.LogInformation("Run {RunId} is held by {Holder}; waiting for its lease.", runId, _leases.Holder(runId));
                said = true;
            }
            await Task.Delay(_options.LeaseDuration / 6, shutdown);
        }
    }

    /// <summary>Renews the lease and turns a cancel request made on any web node into cancellation here.</summary>
    private async Task WatchAsync(string runId, Guid attempt, CancellationTokenSource cancel, Action onLost, CancellationToken stop)
    {
        var renewEvery = _options.LeaseDuration / 3;
        var lastRenewed = DateTime.UtcNow;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.CancelPollInterval < renewEvery ? _options.CancelPollInterval : renewEvery, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                if (DateTime.UtcNow - lastRenewed >= renewEvery)
                {
                    if (!_leases.Renew(runId, attempt, _options.LeaseDuration))
                    {
                        _logger.LogError("Run {RunId}: this worker's lease lapsed and another took the run; stopping here.", runId);
                        onLost();
                        await cancel.CancelAsync();
                        return;
                    }
                    lastRenewed = DateTime.UtcNow;
                }
                if (_runs.Get(runId) is { CancelRequested: true } && !cancel.IsCancellationRequested)
                {
                    _logger.LogInformation("Run {RunId}: cancel requested.", runId);
                    await cancel.CancelAsync();
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The database is away (a restart): training goes on, and the lease is renewed once it is back.
                _logger.LogWarning("Run {RunId}: lease renewal failed ({Message}); retrying.", runId, ex.Message);
            }
        }
    }

    private void TryRelease(string runId, Guid attempt)
    {
        try
        {
            _leases.Release(runId, attempt);
        }
        catch (Exception ex)
        {
            _logger.LogWarning("Run {RunId}: releasing the lease failed ({Message}); it lapses on its own.", runId, ex.Message);
        }
    }
}
