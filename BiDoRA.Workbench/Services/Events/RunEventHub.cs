using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using Microsoft.AspNetCore.SignalR;

namespace BiDoRA.Workbench.Services.Events;

/// <summary>
/// Where training events enter the workbench: numbers them per run, has them stored in batches and hands them to
/// subscribers (Blazor pages, and per connection the training hub). Publishing never blocks on storage or clients.
/// </summary>
internal sealed class RunEventHub : IAsyncDisposable
{
    private const int SubscriberCapacity = 4096;

    private readonly ConcurrentDictionary<string, Lazy<RunFeed>> _feeds = new();
    private readonly Channel<RunRecord> _statuses = Channel.CreateUnbounded<RunRecord>(new UnboundedChannelOptions { SingleReader = true });
    private readonly RunEventWriter _writer;
    private readonly IRunEventStore _store;
    private readonly IHubContext<TrainingHub> _hub;
    private readonly RunStatusNotifier _notifier;
    private readonly ILogger<RunEventHub> _logger;
    private readonly Task _statusLoop;

    public RunEventHub(RunEventWriter writer, IRunEventStore store, IHubContext<TrainingHub> hub, RunStatusNotifier notifier, ILogger<RunEventHub> logger)
    {
        _writer = writer;
        _store = store;
        _hub = hub;
        _notifier = notifier;
        _logger = logger;
        _statusLoop = Task.Run(SendStatusesAsync);
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

    /// <summary>Sends a changed run record to the run's hub group, to watchers of all runs and to in-process listeners.</summary>
    public void PublishStatus(RunRecord run)
    {
        _statuses.Writer.TryWrite(run);
        _ = _notifier.NotifyAsync(run);
    }

    /// <summary>Completes once everything published before the call is stored.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => _writer.FlushAsync(cancellationToken);

    /// <summary>Starts listening to a run at a definite point of its stream (<see cref="RunSubscription.StartSequence"/>).</summary>
    public RunSubscription Subscribe(string runId)
    {
        var feed = Feed(runId);
        lock (feed.Gate)
        {
            return new RunSubscription(feed, feed.AddSubscriber(SubscriberCapacity), feed.LastSequence, (after, upTo, ct) => ReadAsync(runId, after, upTo, ct));
        }
    }

    /// <summary>
    /// The run's events after <paramref name="afterSequence"/>: first those already published (from the store), then
    /// live ones, each exactly once and in order, until cancelled.
    /// </summary>
    public async IAsyncEnumerable<RunEventEnvelope> SubscribeAsync(string runId, long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var subscription = Subscribe(runId);
        await foreach (var envelope in subscription.ReadAsync(afterSequence, cancellationToken))
        {
            yield return envelope;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _statuses.Writer.TryComplete();
        await _statusLoop;
    }

    /// <summary>Published events with <paramref name="after"/> &lt; sequence ≤ <paramref name="upTo"/>, stored first if still buffered.</summary>
    public async Task<IReadOnlyList<RunEventEnvelope>> ReadAsync(string runId, long after, long upTo, CancellationToken cancellationToken = default)
    {
        await _writer.FlushAsync(cancellationToken);
        return _store.Read(runId, after, upTo);
    }

    /// <summary>One loop for all status messages, so a run's changes reach clients in the order they happened.</summary>
    private async Task SendStatusesAsync()
    {
        await foreach (var run in _statuses.Reader.ReadAllAsync())
        {
            try
            {
                await _hub.Clients.Groups(TrainingHub.GroupName(run.Id), TrainingHub.AllRunsGroup).SendAsync("status", run);
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Sending the status of run {RunId} failed.", run.Id);
            }
        }
    }

    private RunFeed Feed(string runId)
    {
        if (!RecordId.IsValid(runId)) throw new ArgumentException($"'{runId}' is not a valid run id.", nameof(runId));
        // Lazy: the store is read once per run, and only one feed ever exists for it.
        return _feeds.GetOrAdd(runId, id => new Lazy<RunFeed>(() => new RunFeed(id, _store.LastSequence(id)))).Value;
    }
}
