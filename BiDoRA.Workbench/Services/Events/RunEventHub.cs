using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using Microsoft.AspNetCore.SignalR;

namespace BiDoRA.Workbench.Services.Events;

/// <summary>
/// Where training events enter the workbench: numbers them per run, has them stored in batches and fans them out to
/// the SignalR group of the run and to in-process subscribers. Publishing never blocks on storage or clients.
/// </summary>
internal sealed class RunEventHub : IAsyncDisposable
{
    private const int SubscriberCapacity = 4096;

    private readonly ConcurrentDictionary<string, Lazy<RunFeed>> _feeds = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly RunEventWriter _writer;
    private readonly RunEventStore _store;
    private readonly IHubContext<TrainingHub> _hub;
    private readonly RunStatusNotifier _notifier;
    private readonly ILogger<RunEventHub> _logger;

    public RunEventHub(RunEventWriter writer, RunEventStore store, IHubContext<TrainingHub> hub, RunStatusNotifier notifier, ILogger<RunEventHub> logger)
    {
        _writer = writer;
        _store = store;
        _hub = hub;
        _notifier = notifier;
        _logger = logger;
    }

    public RunEventEnvelope Publish(string runId, TrainingEvent trainingEvent)
    {
        ArgumentNullException.ThrowIfNull(trainingEvent);
        var feed = Feed(runId);
        lock (feed.Gate)
        {
            var envelope = new RunEventEnvelope(runId, ++feed.LastSequence, trainingEvent);
            _writer.Enqueue(envelope);
            feed.Fan(envelope);
            return envelope;
        }
    }

    /// <summary>Sends a changed run record to the run's group, to watchers of all runs and to in-process listeners.</summary>
    public void PublishStatus(RunRecord run)
    {
        Feed(run.Id).SendStatus(run);
        _ = _notifier.NotifyAsync(run);
    }

    /// <summary>Completes once everything published before the call is stored.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => _writer.FlushAsync(cancellationToken);

    /// <summary>
    /// The run's events after <paramref name="afterSequence"/>: first those already published (from the store), then
    /// live ones, each exactly once and in order, until cancelled. A subscriber that falls behind is caught up from the
    /// store instead of slowing training.
    /// </summary>
    public async IAsyncEnumerable<RunEventEnvelope> SubscribeAsync(string runId, long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var feed = Feed(runId);
        System.Threading.Channels.Channel<RunEventEnvelope> live;
        long liveAfter;
        lock (feed.Gate)
        {
            live = feed.AddSubscriber(SubscriberCapacity);
            liveAfter = feed.LastSequence;
        }

        try
        {
            var last = afterSequence;
            if (liveAfter > last)
            {
                foreach (var stored in await ReadStoredAsync(runId, last, liveAfter, cancellationToken))
                {
                    yield return stored;
                    last = stored.Sequence;
                }
            }

            while (await live.Reader.WaitToReadAsync(cancellationToken))
            {
                while (live.Reader.TryRead(out var envelope))
                {
                    if (envelope.Sequence <= last) continue;
                    if (envelope.Sequence > last + 1)
                    {
                        foreach (var missed in await ReadStoredAsync(runId, last, envelope.Sequence - 1, cancellationToken))
                        {
                            yield return missed;
                            last = missed.Sequence;
                        }
                    }
                    yield return envelope;
                    last = envelope.Sequence;
                }
            }
        }
        finally
        {
            feed.RemoveSubscriber(live);
        }
    }

    /// <summary>
    /// Adds a SignalR connection to the run's group at a definite point of the stream and returns that point: every
    /// event up to it went to the group before the connection joined, every later one reaches the connection live.
    /// </summary>
    public async Task<long> JoinGroupAsync(string runId, string connectionId, CancellationToken cancellationToken)
    {
        var feed = Feed(runId);
        Task joined;
        long upTo;
        lock (feed.Gate)
        {
            upTo = feed.LastSequence;
            joined = feed.EnqueueJoin(connectionId);
        }
        await joined.WaitAsync(cancellationToken);
        return upTo;
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        foreach (var feed in _feeds.Values.Where(f => f.IsValueCreated).Select(f => f.Value))
        {
            feed.Complete();
            try
            {
                await feed.Dispatcher;
            }
            catch (Exception ex)
            {
                _logger.LogDebug(ex, "Dispatcher of run {RunId} ended with an error.", feed.RunId);
            }
        }
        _stopping.Dispose();
    }

    private async Task<IReadOnlyList<RunEventEnvelope>> ReadStoredAsync(string runId, long after, long upTo, CancellationToken cancellationToken)
    {
        await _writer.FlushAsync(cancellationToken);
        return _store.Read(runId, after, upTo);
    }

    private RunFeed Feed(string runId)
    {
        if (!RecordId.IsValid(runId)) throw new ArgumentException($"'{runId}' is not a valid run id.", nameof(runId));
        // Lazy: the store is read once per run, and only one feed (one dispatcher) ever exists for it.
        return _feeds.GetOrAdd(runId, id => new Lazy<RunFeed>(() =>
            new RunFeed(id, _store.LastSequence(id), _hub, _logger, _stopping.Token))).Value;
    }
}
