using System.Threading.Channels;
using BiDoRA.Workbench.Services.Runs;
using Microsoft.AspNetCore.SignalR;

namespace BiDoRA.Workbench.Services.Events;

/// <summary>
/// The live side of one run's event stream: numbers events, hands them to in-process subscribers and sends them to the
/// run's SignalR group from a single dispatcher, so browsers get them in order and training never waits on a socket.
/// </summary>
internal sealed class RunFeed
{
    /// <summary>Events waiting for SignalR beyond this are dropped (clients see a gap and re-join); status never is.</summary>
    internal const int DispatchCapacity = 10_000;

    private readonly Channel<object> _dispatch = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<Channel<RunEventEnvelope>> _subscribers = [];
    private readonly IHubContext<TrainingHub> _hub;
    private readonly ILogger _logger;
    private int _pendingEvents;
    private long _dropped;

    public RunFeed(string runId, long lastSequence, IHubContext<TrainingHub> hub, ILogger logger, CancellationToken stopping)
    {
        RunId = runId;
        LastSequence = lastSequence;
        _hub = hub;
        _logger = logger;
        Dispatcher = Task.Run(() => DispatchLoopAsync(stopping));
    }

    public string RunId { get; }

    public string Group => TrainingHub.GroupName(RunId);

    /// <summary>Guards numbering and fan-out, so every listener sees events in sequence order.</summary>
    public Lock Gate { get; } = new();

    /// <summary>The last number handed out; read and written under <see cref="Gate"/>.</summary>
    public long LastSequence { get; set; }

    public Task Dispatcher { get; }

    /// <summary>Call under <see cref="Gate"/>, right after numbering the event.</summary>
    public void Fan(RunEventEnvelope envelope)
    {
        foreach (var subscriber in _subscribers)
        {
            // Drop-oldest never blocks; the subscriber notices the jump in sequence and reads the gap from the store.
            subscriber.Writer.TryWrite(envelope);
        }

        if (Interlocked.Increment(ref _pendingEvents) > DispatchCapacity)
        {
            Interlocked.Decrement(ref _pendingEvents);
            if (Interlocked.Increment(ref _dropped) % 1000 == 1)
            {
                _logger.LogWarning("SignalR clients of run {RunId} are too slow; live events are being dropped (they stay in the store).", RunId);
            }
            return;
        }
        _dispatch.Writer.TryWrite(envelope);
    }

    /// <summary>Call under <see cref="Gate"/>; the channel receives every event numbered after this call.</summary>
    public Channel<RunEventEnvelope> AddSubscriber(int capacity)
    {
        var channel = Channel.CreateBounded<RunEventEnvelope>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        _subscribers.Add(channel);
        return channel;
    }

    public void RemoveSubscriber(Channel<RunEventEnvelope> handle)
    {
        lock (Gate) _subscribers.Remove(handle);
    }

    public void SendStatus(RunRecord run) => _dispatch.Writer.TryWrite(new StatusItem(run));

    /// <summary>
    /// Call under <see cref="Gate"/>: the connection joins the group after every event numbered so far went out to the
    /// group and before any later one, so the caller can send it the stored events up to <see cref="LastSequence"/>
    /// and nothing twice.
    /// </summary>
    public Task EnqueueJoin(string connectionId)
    {
        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_dispatch.Writer.TryWrite(new JoinItem(connectionId, joined)))
        {
            joined.SetCanceled();
        }
        return joined.Task;
    }

    public void Complete() => _dispatch.Writer.TryComplete();

    private async Task DispatchLoopAsync(CancellationToken stopping)
    {
        try
        {
            await foreach (var item in _dispatch.Reader.ReadAllAsync(stopping))
            {
                try
                {
                    switch (item)
                    {
                        case RunEventEnvelope envelope:
                            Interlocked.Decrement(ref _pendingEvents);
                            await _hub.Clients.Group(Group).SendAsync("event", envelope, stopping);
                            break;
                        case StatusItem status:
                            await _hub.Clients.Group(Group).SendAsync("status", status.Run, stopping);
                            await _hub.Clients.Group(TrainingHub.AllRunsGroup).SendAsync("status", status.Run, stopping);
                            break;
                        case JoinItem join:
                            await _hub.Groups.AddToGroupAsync(join.ConnectionId, Group, stopping);
                            join.Joined.TrySetResult();
                            break;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
                {
                    if (item is JoinItem failed) failed.Joined.TrySetException(ex);
                    _logger.LogWarning(ex, "Sending to the clients of run {RunId} failed.", RunId);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            while (_dispatch.Reader.TryRead(out var left))
            {
                if (left is JoinItem join) join.Joined.TrySetCanceled();
            }
        }
    }

    private sealed record StatusItem(RunRecord Run);

    private sealed record JoinItem(string ConnectionId, TaskCompletionSource Joined);
}
