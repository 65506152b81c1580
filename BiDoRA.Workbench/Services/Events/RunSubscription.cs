using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace BiDoRA.Workbench.Services.Events;

/// <summary>
/// One listener's view of a run's events from <see cref="StartSequence"/> on: every later event reaches it live, in
/// order; whatever its bounded buffer had to drop while it lagged is read back from the store, so it sees each event
/// exactly once. Dispose to stop listening.
/// </summary>
internal sealed class RunSubscription : IDisposable
{
    private readonly RunFeed _feed;
    private readonly Channel<RunEventEnvelope> _live;
    private readonly Func<long, long, CancellationToken, Task<IReadOnlyList<RunEventEnvelope>>> _readStored;

    internal RunSubscription(RunFeed feed, Channel<RunEventEnvelope> live, long startSequence,
        Func<long, long, CancellationToken, Task<IReadOnlyList<RunEventEnvelope>>> readStored)
    {
        _feed = feed;
        _live = live;
        StartSequence = startSequence;
        _readStored = readStored;
    }

    public string RunId => _feed.RunId;

    /// <summary>The last event published before the subscription began; later ones arrive live.</summary>
    public long StartSequence { get; }

    /// <summary>Events after <paramref name="afterSequence"/>: stored ones up to <see cref="StartSequence"/>, then live. One reader at a time.</summary>
    public async IAsyncEnumerable<RunEventEnvelope> ReadAsync(long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var last = afterSequence;
        if (StartSequence > last)
        {
            foreach (var stored in await _readStored(last, StartSequence, cancellationToken))
            {
                yield return stored;
                last = stored.Sequence;
            }
        }

        while (await _live.Reader.WaitToReadAsync(cancellationToken))
        {
            while (_live.Reader.TryRead(out var envelope))
            {
                if (envelope.Sequence <= last) continue;
                if (envelope.Sequence > last + 1)
                {
                    foreach (var missed in await _readStored(last, envelope.Sequence - 1, cancellationToken))
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

    public void Dispose() => _feed.RemoveSubscriber(_live);
}
