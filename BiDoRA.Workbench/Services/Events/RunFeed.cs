using System.Threading.Channels;

namespace BiDoRA.Workbench.Services.Events;

/// <summary>The live side of one run's event stream: its numbering and the buffers of its current subscribers.</summary>
internal sealed class RunFeed(string runId, long lastSequence)
{
    private readonly List<Channel<RunEventEnvelope>> _subscribers = [];

    public string RunId { get; } = runId;

    /// <summary>Guards numbering and fan-out, so every subscriber sees events in sequence order.</summary>
    public Lock Gate { get; } = new();

    /// <summary>The last number handed out; read and written under <see cref="Gate"/>.</summary>
    public long LastSequence { get; set; } = lastSequence;

    /// <summary>Call under <see cref="Gate"/>, right after numbering the event.</summary>
    public void Fan(RunEventEnvelope envelope)
    {
        foreach (var subscriber in _subscribers)
        {
            // Drop-oldest never blocks; the subscriber notices the jump in sequence and reads the gap from the store.
            subscriber.Writer.TryWrite(envelope);
        }
    }

    public bool HasSubscribers
    {
        get
        {
            lock (Gate) return _subscribers.Count > 0;
        }
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

    public void RemoveSubscriber(Channel<RunEventEnvelope> channel)
    {
        lock (Gate) _subscribers.Remove(channel);
    }
}
