using System.Diagnostics;
using System.Threading.Channels;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using Microsoft.Extensions.Options;

namespace BiDoRA.Workbench.Services.Events;

/// <summary>
/// Writes training events to the database in batches (every <see cref="WorkbenchOptions.EventFlushInterval"/> or
/// <see cref="WorkbenchOptions.EventFlushBatchSize"/> events, whichever comes first), off the training thread, and
/// keeps each run record's progress, last checkpoint and last sequence in step with what was written.
/// </summary>
internal sealed class RunEventWriter : IAsyncDisposable
{
    private readonly Channel<object> _queue = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IRunEventStore _events;
    private readonly IRunStore _runs;
    private readonly ILogger<RunEventWriter> _logger;
    private readonly TimeSpan _interval;
    private readonly int _batchSize;
    private readonly Task _loop;

    public RunEventWriter(IRunEventStore events, IRunStore runs, IOptions<WorkbenchOptions> options, ILogger<RunEventWriter> logger)
    {
        _events = events;
        _runs = runs;
        _logger = logger;
        _interval = options.Value.EventFlushInterval;
        _batchSize = Math.Max(1, options.Value.EventFlushBatchSize);
        _loop = Task.Run(WriteLoopAsync);
    }

    public void Enqueue(RunEventEnvelope envelope)
    {
        if (!_queue.Writer.TryWrite(envelope))
        {
            _logger.LogError("Event {Sequence} of run {RunId} arrived after shutdown and was not stored.", envelope.Sequence, envelope.RunId);
        }
    }

    /// <summary>Completes once every event enqueued before the call is in the database.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _queue.Writer.TryWrite(done) ? done.Task.WaitAsync(cancellationToken) : _loop.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<RunEventEnvelope>(_batchSize);
        var waiters = new List<TaskCompletionSource>();
        var sinceFirst = new Stopwatch();
        while (true)
        {
            while (batch.Count < _batchSize && waiters.Count == 0 && reader.TryRead(out var item))
            {
                if (item is RunEventEnvelope envelope)
                {
                    if (batch.Count == 0) sinceFirst.Restart();
                    batch.Add(envelope);
                }
                else
                {
                    waiters.Add((TaskCompletionSource)item);
                }
            }

            if (batch.Count >= _batchSize || waiters.Count > 0 || (batch.Count > 0 && sinceFirst.Elapsed >= _interval))
            {
                Write(batch, waiters);
                continue;
            }

            if (!await WaitForMoreAsync(reader, batch.Count == 0 ? Timeout.InfiniteTimeSpan : _interval - sinceFirst.Elapsed))
            {
                break;
            }
        }
        Write(batch, waiters);
    }

    /// <summary>False once the queue is completed and empty; true when there is more to read or the wait timed out.</summary>
    private static async Task<bool> WaitForMoreAsync(ChannelReader<object> reader, TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan) return await reader.WaitToReadAsync();
        if (timeout <= TimeSpan.Zero) return true;
        using var timer = new CancellationTokenSource(timeout);
        try
        {
            return await reader.WaitToReadAsync(timer.Token);
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested)
        {
            return true;
        }
    }

    private void Write(List<RunEventEnvelope> batch, List<TaskCompletionSource> waiters)
    {
        try
        {
            _events.Append(batch);
            foreach (var run in batch.GroupBy(e => e.RunId))
            {
                _runs.Update(run.Key, record => Summarise(record, run));
            }
            foreach (var waiter in waiters) waiter.TrySetResult();
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Writing {Count} training events failed.", batch.Count);
            foreach (var waiter in waiters) waiter.TrySetException(ex);
        }
        batch.Clear();
        waiters.Clear();
    }

    /// <summary>The record with the progress, last checkpoint and last sequence that <paramref name="written"/> report.</summary>
    internal static RunRecord Summarise(RunRecord record, IEnumerable<RunEventEnvelope> written)
    {
        foreach (var e in written)
        {
            record = e.Event switch
            {
                StepCompleted s => record with { Progress = new RunProgress(s.Phase, s.Step, s.TotalSteps, s.Loss, s.Eta, s.Time) },
                CheckpointSaved c => record with { LastCheckpoint = new RunCheckpoint(c.Step, c.Path, c.Time) },
                _ => record,
            };
            record = record with { LastSequence = Math.Max(record.LastSequence, e.Sequence) };
        }
        return record;
    }
}
