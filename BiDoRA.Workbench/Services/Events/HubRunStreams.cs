using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace BiDoRA.Workbench.Services.Events;

/// <summary>
/// Sends each hub connection the events of the runs it joined, one pump per connection and run. A connection that
/// reads slowly only delays itself: its buffer drops and later refills from the store, and nobody else waits for it.
/// </summary>
internal sealed class HubRunStreams(IHubContext<TrainingHub> hub, ILogger<HubRunStreams> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<(string ConnectionId, string RunId), Pump> _pumps = new();

    /// <summary>Streams <paramref name="subscription"/> live events (after its start) to the connection, replacing an earlier stream of that run.</summary>
    public void Start(string connectionId, RunSubscription subscription)
    {
        var pump = new Pump(subscription);
        var key = (connectionId, subscription.RunId);
        _pumps.AddOrUpdate(key, pump, (_, old) =>
        {
            old.Stop();
            return pump;
        });
        pump.Run = Task.Run(() => PumpAsync(connectionId, pump));
    }

    public void Stop(string connectionId, string runId)
    {
        if (_pumps.TryRemove((connectionId, runId), out var pump)) pump.Stop();
    }

    public void StopAll(string connectionId)
    {
        foreach (var key in _pumps.Keys.Where(k => k.ConnectionId == connectionId))
        {
            Stop(key.ConnectionId, key.RunId);
        }
    }

    public async ValueTask DisposeAsync()
    {
        var pumps = _pumps.Values.ToList();
        _pumps.Clear();
        foreach (var pump in pumps) pump.Stop();
        await Task.WhenAll(pumps.Select(p => p.Run ?? Task.CompletedTask));
    }

    private async Task PumpAsync(string connectionId, Pump pump)
    {
        var client = hub.Clients.Client(connectionId);
        try
        {
            await foreach (var envelope in pump.Subscription.ReadAsync(pump.Subscription.StartSequence, pump.Stopping.Token))
            {
                await client.SendAsync("event", envelope, pump.Stopping.Token);
            }
        }
        catch (OperationCanceledException) when (pump.Stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Streaming run {RunId} to connection {ConnectionId} failed.", pump.Subscription.RunId, connectionId);
        }
        finally
        {
            pump.Subscription.Dispose();
        }
    }

    private sealed class Pump(RunSubscription subscription)
    {
        public RunSubscription Subscription { get; } = subscription;

        public CancellationTokenSource Stopping { get; } = new();

        public Task? Run { get; set; }

        public void Stop() => Stopping.Cancel();
    }
}
